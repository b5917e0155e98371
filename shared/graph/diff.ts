/**
 * What changed between two versions of a workflow: nodes added, removed, moved and changed (field
 * by field, as dotted paths), edges added and removed, and the name and settings. Pure and
 * browser-safe: the versions API (`GET …/versions/:a/diff/:b`) and the editor's history panel
 * both call it, so the list, the JSON and the canvas never disagree.
 */
import type { Edge, WorkflowNode } from '../workflow.ts';

/** The parts of a version the diff reads; `settings` when the workflow has any. */
export type DiffableVersion = { name: string; nodes: WorkflowNode[]; edges: Edge[]; settings?: unknown };

/** One changed value: `path` is dotted from the node (`config.url`, `config.headers.X-Key`, `retry.attempts`). */
export type FieldChange = { path: string; before?: unknown; after?: unknown };

export type NodeRef = { nodeId: string; type: string; name?: string };

export type WorkflowDiff = {
  added: NodeRef[];
  removed: NodeRef[];
  moved: (NodeRef & { from: { x: number; y: number }; to: { x: number; y: number } })[];
  /** Nodes in both whose content (config, name, type, retry, onError, notes) differs; a move alone is not a change. */
  changed: (NodeRef & { fields: FieldChange[] })[];
  edges: { added: Edge[]; removed: Edge[] };
  name: { before: string; after: string } | null;
  /** Paths under `settings` (`settings.alerts.email`), empty when equal or absent on both. */
  settings: FieldChange[];
};

/** Node keys compared as content; `id` is the identity and `position` is a move. */
const CONTENT_KEYS = ['type', 'name', 'config', 'retry', 'onError', 'notes'] as const;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep equality of JSON values (key order ignored: a re-saved object is the same object). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Field-level changes between two JSON values under `path`. Objects recurse key by key, so a
 * nested change names its leaf (`config.body.email`); arrays and scalars are compared whole (an
 * array's items have no identity of their own, and "item 3 changed" after an insert misleads).
 */
export function fieldChanges(before: unknown, after: unknown, path: string): FieldChange[] {
  if (jsonEqual(before, after)) return [];
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => fieldChanges(before[k], after[k], path ? `${path}.${k}` : k));
  }
  const change: FieldChange = { path };
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  return [change];
}

const ref = (n: WorkflowNode): NodeRef => (n.name ? { nodeId: n.id, type: n.type, name: n.name } : { nodeId: n.id, type: n.type });

/** Edges are matched by what they connect (source, output, target), not by id: a re-drawn edge is the same edge. */
const edgeKey = (e: Edge) => `${e.source}\u0000${e.sourceHandle ?? ''}\u0000${e.target}\u0000${e.targetHandle ?? ''}`;

/** What changed from `before` to `after` (either may be a saved version or the editor's draft). */
export function diffVersions(before: DiffableVersion, after: DiffableVersion): WorkflowDiff {
  const old = new Map(before.nodes.map((n) => [n.id, n]));
  const now = new Map(after.nodes.map((n) => [n.id, n]));
  const diff: WorkflowDiff = { added: [], removed: [], moved: [], changed: [], edges: { added: [], removed: [] }, name: null, settings: [] };
  for (const n of after.nodes) if (!old.has(n.id)) diff.added.push(ref(n));
  for (const n of before.nodes) if (!now.has(n.id)) diff.removed.push(ref(n));
  for (const n of after.nodes) {
    const o = old.get(n.id);
    if (!o) continue;
    if (o.position.x !== n.position.x || o.position.y !== n.position.y) diff.moved.push({ ...ref(n), from: o.position, to: n.position });
    const fields = CONTENT_KEYS.flatMap((k) => fieldChanges(o[k], n[k], k));
    if (fields.length) diff.changed.push({ ...ref(n), fields });
  }
  const oldEdges = new Set(before.edges.map(edgeKey));
  const newEdges = new Set(after.edges.map(edgeKey));
  diff.edges.added = after.edges.filter((e) => !oldEdges.has(edgeKey(e)));
  diff.edges.removed = before.edges.filter((e) => !newEdges.has(edgeKey(e)));
  if (before.name !== after.name) diff.name = { before: before.name, after: after.name };
  diff.settings = fieldChanges(before.settings, after.settings, 'settings');
  return diff;
}

/** True when the two versions hold the same workflow (positions included). */
export const isEmptyDiff = (d: WorkflowDiff): boolean =>
  !d.added.length && !d.removed.length && !d.moved.length && !d.changed.length && !d.edges.added.length && !d.edges.removed.length && !d.name && !d.settings.length;

const count = (n: number, word: string, verb: string) => `${n} ${word}${n === 1 ? '' : 's'} ${verb}`;

/**
 * The diff in one line, for the versions list: "1 node added, 2 nodes changed, renamed". Moves
 * and edges are named only when nothing weightier changed, so the line stays short.
 */
export function summarizeDiff(d: WorkflowDiff): string {
  const parts: string[] = [];
  if (d.added.length) parts.push(count(d.added.length, 'node', 'added'));
  if (d.removed.length) parts.push(count(d.removed.length, 'node', 'removed'));
  if (d.changed.length) parts.push(count(d.changed.length, 'node', 'changed'));
  const edges = d.edges.added.length + d.edges.removed.length;
  if (!parts.length && edges) parts.push(count(edges, 'connection', 'changed'));
  if (!parts.length && d.moved.length) parts.push(count(d.moved.length, 'node', 'moved'));
  if (d.name) parts.push('renamed');
  if (d.settings.length) parts.push('settings changed');
  return parts.length ? parts.join(', ') : 'no changes';
}
