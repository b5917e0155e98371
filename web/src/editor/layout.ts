/**
 * Auto-layout with dagre: left to right, ranks by dependency, sizes from React Flow's measurements.
 * Branches keep their handles' order (an If's true above its false, a switch's cases in order): nodes and edges are given to
 * dagre in a depth-first order that follows each node's handles, which its ordering keeps for a
 * tree (no crossings), and siblings that still come out of order are swapped with their subtrees.
 */
import dagre from '@dagrejs/dagre';
import { outputHandles } from '#shared/nodes/define.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { FlowEdge, FlowNode } from './mapping.ts';

const handleRank = (nodes: ReadonlyMap<string, FlowNode>, e: FlowEdge): number => {
  const source = nodes.get(e.source);
  const handles = outputHandles(getNodeDefinition(source?.data.type ?? ''), source?.data.config);
  const i = handles && e.sourceHandle ? handles.indexOf(e.sourceHandle) : -1;
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
};

/** Nodes depth-first from the roots, children in handle order; then any left over (cycles, islands). */
function depthFirst(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): { order: FlowNode[]; outs: Map<string, FlowEdge[]> } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const outs = new Map<string, FlowEdge[]>();
  for (const e of edges) outs.set(e.source, [...(outs.get(e.source) ?? []), e]);
  for (const list of outs.values()) list.sort((a, b) => handleRank(byId, a) - handleRank(byId, b));
  const hasIn = new Set(edges.map((e) => e.target));
  const seen = new Set<string>();
  const order: FlowNode[] = [];
  const visit = (id: string) => {
    if (seen.has(id) || !byId.has(id)) return;
    seen.add(id);
    order.push(byId.get(id)!);
    for (const e of outs.get(id) ?? []) visit(e.target);
  };
  for (const n of nodes) if (!hasIn.has(n.id)) visit(n.id);
  for (const n of nodes) visit(n.id);
  return { order, outs };
}

const DEFAULT_W = 240;
const DEFAULT_H = 90;

export function layoutPositions(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): Record<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  const { order, outs } = depthFirst(nodes, edges);
  for (const n of order) g.setNode(n.id, { width: n.measured?.width ?? DEFAULT_W, height: n.measured?.height ?? DEFAULT_H });
  for (const n of order) for (const e of outs.get(n.id) ?? []) if (g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  keepHandleOrder(g, order, outs);
  const out: Record<string, { x: number; y: number }> = {};
  for (const n of nodes) {
    const p = g.node(n.id);
    if (!p) continue;
    const w = n.measured?.width ?? DEFAULT_W;
    const h = n.measured?.height ?? DEFAULT_H;
    // dagre gives centres; React Flow positions are top-left corners.
    out[n.id] = { x: Math.round(p.x - w / 2), y: Math.round(p.y - h / 2) };
  }
  return out;
}

/**
 * Where dagre still put a later handle's child above an earlier one's, swap the two subtrees'
 * vertical places (only subtrees that nothing else reaches, so moving them moves nothing shared).
 */
function keepHandleOrder(g: { node(id: string): { y: number } }, order: readonly FlowNode[], outs: ReadonlyMap<string, FlowEdge[]>): void {
  const incoming = new Map<string, number>();
  for (const list of outs.values()) for (const e of list) incoming.set(e.target, (incoming.get(e.target) ?? 0) + 1);
  const subtree = (id: string, acc = new Set<string>()): Set<string> | null => {
    if (acc.has(id)) return acc;
    if (acc.size > 0 && (incoming.get(id) ?? 0) > 1) return null; // shared with another branch
    acc.add(id);
    for (const e of outs.get(id) ?? []) if (!subtree(e.target, acc)) return null;
    return acc;
  };
  for (const n of order) {
    const kids = (outs.get(n.id) ?? []).filter((e) => e.sourceHandle).map((e) => e.target);
    if (kids.length < 2) continue;
    const ys = kids.map((k) => g.node(k)!.y);
    const sorted = [...ys].sort((a, b) => a - b);
    if (ys.every((y, i) => y === sorted[i])) continue;
    const trees = kids.map((k) => subtree(k));
    if (trees.some((t) => t === null)) continue;
    kids.forEach((_, i) => {
      const dy = sorted[i]! - ys[i]!;
      for (const id of trees[i]!) g.node(id)!.y += dy;
    });
  }
}
