/**
 * The history panel's pure parts: the draft as a comparable version (webhook tokens out, as saved
 * versions are served), and the graph the diff is drawn on (the newer side's nodes and edges, the
 * older side's removed ones beside them), each marked with what happened to it. The diff itself is
 * the shared one (#shared/graph/diff.ts), the same the server answers with.
 */
import { create } from 'zustand';
import type { DiffableVersion, WorkflowDiff } from '#shared/graph/diff.ts';
import type { Edge, WorkflowNode } from '#shared/workflow.ts';

export type DiffStatus = 'added' | 'removed' | 'changed' | 'moved' | 'same';

export type DiffCanvasNode = { id: string; type: string; name?: string; position: { x: number; y: number }; status: DiffStatus; moved: boolean };
export type DiffCanvasEdge = { id: string; source: string; target: string; sourceHandle?: string | null; status: 'added' | 'removed' | 'same' };

/** Webhook tokens are the server's secret and saved versions come without them: the draft's are left out too, or every diff would show them. */
export function comparable(doc: { name: string; nodes: WorkflowNode[]; edges: Edge[] }): DiffableVersion {
  const nodes = doc.nodes.map((n) => {
    if (n.type !== 'trigger.webhook' || !('token' in n.config)) return n;
    const { token: _token, ...config } = n.config;
    return { ...n, config };
  });
  return { name: doc.name, nodes, edges: doc.edges };
}

const edgeKey = (e: Edge) => `${e.source}\u0000${e.sourceHandle ?? ''}\u0000${e.target}\u0000${e.targetHandle ?? ''}`;

/** What the mini canvas draws for `diff` from `before` to `after`. */
export function diffCanvas(before: DiffableVersion, after: DiffableVersion, diff: WorkflowDiff): { nodes: DiffCanvasNode[]; edges: DiffCanvasEdge[] } {
  const added = new Set(diff.added.map((n) => n.nodeId));
  const changed = new Set(diff.changed.map((n) => n.nodeId));
  const moved = new Set(diff.moved.map((n) => n.nodeId));
  const removed = new Set(diff.removed.map((n) => n.nodeId));
  const node = (n: WorkflowNode, status: DiffStatus): DiffCanvasNode => ({
    id: n.id,
    type: n.type,
    ...(n.name ? { name: n.name } : {}),
    position: n.position,
    status,
    moved: moved.has(n.id),
  });
  const nodes = [
    ...after.nodes.map((n) => node(n, added.has(n.id) ? 'added' : changed.has(n.id) ? 'changed' : moved.has(n.id) ? 'moved' : 'same')),
    ...before.nodes.filter((n) => removed.has(n.id)).map((n) => node(n, 'removed')),
  ];
  const addedEdges = new Set(diff.edges.added.map(edgeKey));
  const edges: DiffCanvasEdge[] = [
    ...after.edges.map((e) => ({ id: e.id, source: e.source, target: e.target, sourceHandle: e.sourceHandle ?? null, status: addedEdges.has(edgeKey(e)) ? ('added' as const) : ('same' as const) })),
    // Prefixed: a removed edge may share its id with a new one.
    ...diff.edges.removed.map((e) => ({ id: `removed:${e.id}`, source: e.source, target: e.target, sourceHandle: e.sourceHandle ?? null, status: 'removed' as const })),
  ];
  return { nodes, edges };
}

/** A value in one line for the field table: strings as they are, the rest as compact JSON, long ones cut. */
export function showValue(v: unknown, max = 160): string {
  if (v === undefined) return '—';
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Whether the history panel is open, and on which version (from the toolbar, or `?history=<v>` in the address). */
export const useHistoryPanel = create<{ isOpen: boolean; version: number | null; show(version?: number | null): void; close(): void }>()((set) => ({
  isOpen: false,
  version: null,
  show: (version = null) => set({ isOpen: true, version }),
  close: () => set({ isOpen: false, version: null }),
}));
