/** Undo and redo: snapshots of the nodes, edges and workflow name, coalescing quick repeated edits of one field. */
import type { FlowEdge, FlowNode } from '../mapping.ts';
import type { SliceContext } from './context.ts';

export type Snapshot = { nodes: FlowNode[]; edges: FlowEdge[]; name: string };

export type HistorySlice = {
  past: Snapshot[];
  future: Snapshot[];
  undo(): void;
  redo(): void;
};

const HISTORY_LIMIT = 100;
const COALESCE_MS = 800;

/** The undo recorder: `commit` for the slice context, and `reset` (a new draft, or an undo/redo step breaks coalescing). */
export function createHistory(c: Pick<SliceContext, 'set' | 'get'>) {
  let last = { key: '', at: 0 };
  return {
    commit(key = '') {
      const now = Date.now();
      if (key && key === last.key && now - last.at < COALESCE_MS) {
        last.at = now;
        return;
      }
      last = { key, at: now };
      const { nodes, edges, name, past } = c.get();
      c.set({ past: [...past.slice(-(HISTORY_LIMIT - 1)), { nodes, edges, name }], future: [] });
    },
    reset() {
      last = { key: '', at: 0 };
    },
  };
}

export function historySlice(c: SliceContext, reset: () => void): HistorySlice {
  return {
    past: [],
    future: [],

    undo() {
      if (c.get().replay) return; // viewing a past execution: nothing to undo there
      const { past, nodes, edges, name, future } = c.get();
      const prev = past[past.length - 1];
      if (!prev) return;
      reset();
      c.set({ past: past.slice(0, -1), future: [{ nodes, edges, name }, ...future], nodes: prev.nodes, edges: prev.edges, name: prev.name });
      c.touched();
    },

    redo() {
      if (c.get().replay) return;
      const { past, nodes, edges, name, future } = c.get();
      const next = future[0];
      if (!next) return;
      reset();
      c.set({ future: future.slice(1), past: [...past, { nodes, edges, name }], nodes: next.nodes, edges: next.edges, name: next.name });
      c.touched();
    },
  };
}
