/** The two problem lists: what the server refused (re-keyed to nodes), and the local whole-graph check. */
import type { Issue } from '#shared/issues.ts';
import { checkGraph } from '../graph-check.ts';
import type { GraphDocument } from '../mapping.ts';
import { toNodeIssues, type NodeIssue } from '../node-issues.ts';
import type { SliceContext } from './context.ts';

export type ValidationSlice = {
  /** Issues the server returned on activation or save, re-keyed to node ids. */
  serverIssues: NodeIssue[];
  /** Whole-graph issues computed locally (debounced) from the same validator the server uses. */
  graphIssues: NodeIssue[];
  setServerIssues(issues: readonly Issue[], doc: GraphDocument): void;
};

/** `touched` for the slice context: a new revision, then the local check 250 ms after the last change. */
export function createTouched(c: Pick<SliceContext, 'set' | 'get'>): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    c.set((s) => ({ revision: s.revision + 1 }));
    clearTimeout(timer);
    timer = setTimeout(() => recheck(c), 250);
  };
}

/** Runs the local check on the current draft now. */
export function recheck(c: Pick<SliceContext, 'set' | 'get'>): void {
  // While a past execution is viewed, the draft is set aside; leaving runs the check (replay.ts).
  if (c.get().replay) return;
  const doc = c.get().toDocument();
  c.set({ graphIssues: toNodeIssues(checkGraph(doc), doc) });
}

export function validationSlice(c: SliceContext): ValidationSlice {
  return {
    serverIssues: [],
    graphIssues: [],

    setServerIssues(issues, doc) {
      // Recompute the local check too, so both lists describe the same document.
      const current = c.get().toDocument();
      c.set({ serverIssues: toNodeIssues(issues, doc), graphIssues: toNodeIssues(checkGraph(current), current) });
    },
  };
}
