/**
 * Viewing a past execution: the canvas shows the graph of the version that execution ran, each
 * node with that run's step, read-only. The draft (nodes, edges, selection, the latest run, samples
 * and problem lists) is set aside whole and put back on leaving; undo history and the revision
 * counters are never touched, because every editing action refuses while `replay` is set.
 */
import type { ExecutionMode, ExecutionStatus } from '#shared/execution.ts';
import type { EditorState } from '../store.ts';
import { toFlow, type GraphDocument } from '../mapping.ts';
import type { SliceContext } from './context.ts';
import type { RunState } from './run.ts';
import { recheck } from './validation.ts';

/** What the banner says about the execution being viewed. */
export type ReplayInfo = {
  executionId: string;
  version: number;
  status: ExecutionStatus;
  mode: ExecutionMode;
  startedAt: string | null;
};

/** The parts of the editing state the overlay replaces, kept as they were. */
type DraftAside = Pick<EditorState, 'nodes' | 'edges' | 'selectedNodeId' | 'run' | 'sampleData' | 'graphIssues' | 'serverIssues'>;

export type ReplaySlice = {
  /** The past execution on the canvas, or null while editing. */
  replay: (ReplayInfo & { draft: DraftAside }) | null;
  /** Shows `run` on `graph` (the version it ran); viewing another execution keeps the same draft aside. */
  enterReplay(info: ReplayInfo, graph: GraphDocument, run: RunState): void;
  /** Back to editing: the draft exactly as it was. */
  leaveReplay(): void;
};

/** True while a past execution is on the canvas: editing actions do nothing then. */
export const isReadOnly = (s: Pick<EditorState, 'replay'>): boolean => s.replay !== null;

export function replaySlice(c: SliceContext): ReplaySlice {
  return {
    replay: null,

    enterReplay(info, graph, run) {
      c.set((s) => {
        const draft: DraftAside = s.replay?.draft ?? {
          nodes: s.nodes,
          edges: s.edges,
          selectedNodeId: s.selectedNodeId,
          run: s.run,
          sampleData: s.sampleData,
          graphIssues: s.graphIssues,
          serverIssues: s.serverIssues,
        };
        const flow = toFlow(graph);
        const sampleData: Record<string, unknown> = {};
        for (const [nodeId, step] of Object.entries(run.steps)) if (step.status === 'success') sampleData[nodeId] = step.output;
        // The draft's problems are about the draft, not this version: none are shown on it.
        return { replay: { ...info, draft }, nodes: flow.nodes, edges: flow.edges, selectedNodeId: null, run, sampleData, graphIssues: [], serverIssues: [] };
      });
    },

    leaveReplay() {
      const aside = c.get().replay?.draft;
      if (!aside) return;
      c.set({ ...aside, replay: null });
      // A check that came due while viewing was skipped; run it on the draft now.
      recheck(c);
    },
  };
}
