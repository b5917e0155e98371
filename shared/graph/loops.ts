/**
 * Which nodes run inside which flow.forEach: the one reading of a graph's loops, shared by
 * activation (loopIssues), the engine (which scope runs a node) and the editor (the loop lanes).
 * A loop's body is everything reachable from its `each` handle; a loop inside a body nests.
 */
import type { Issue } from '../issues.ts';
import { EACH, FOREACH_TYPE, MAX_LOOP_DEPTH } from '../nodes/flow-foreach.ts';
import type { Edge, WorkflowNode } from '../workflow.ts';

type Graph = { nodes: readonly Pick<WorkflowNode, 'id' | 'type' | 'name'>[]; edges: readonly Edge[] };

export type LoopInfo = {
  id: string;
  /** Every node reachable from `each`, nested loops' bodies included. */
  body: ReadonlySet<string>;
  /** The nodes that run once per item of this loop (the body minus nested loops' bodies), in document order. */
  direct: readonly string[];
  /** The loop this one is in, if any. */
  parent: string | undefined;
  /** 1 for a loop outside any other. */
  depth: number;
};

export type LoopStructure = {
  loops: ReadonlyMap<string, LoopInfo>;
  /** The innermost loop each node runs in (absent: once per execution). */
  ownerOf: ReadonlyMap<string, string>;
};

export const isLoopType = (type: string): boolean => type === FOREACH_TYPE;

export function loopStructure(doc: Graph): LoopStructure {
  const out = new Map<string, Edge[]>();
  for (const e of doc.edges) out.set(e.source, [...(out.get(e.source) ?? []), e]);
  const bodies = new Map<string, Set<string>>();
  for (const n of doc.nodes) {
    if (!isLoopType(n.type)) continue;
    const body = new Set<string>();
    const stack = (out.get(n.id) ?? []).filter((e) => e.sourceHandle === EACH).map((e) => e.target);
    while (stack.length) {
      const id = stack.pop()!;
      // The loop itself inside its own body is a cycle, refused on its own; it is not its own member.
      if (id === n.id || body.has(id)) continue;
      body.add(id);
      for (const e of out.get(id) ?? []) stack.push(e.target);
    }
    bodies.set(n.id, body);
  }
  // Innermost owner: of the bodies holding a node, the smallest (valid nesting makes them a chain).
  const ownerOf = new Map<string, string>();
  for (const n of doc.nodes) {
    let best: string | undefined;
    for (const [loopId, body] of bodies) if (body.has(n.id) && (best === undefined || body.size < bodies.get(best)!.size)) best = loopId;
    if (best !== undefined) ownerOf.set(n.id, best);
  }
  const depthOf = (id: string, seen = new Set<string>()): number => {
    const parent = ownerOf.get(id);
    if (parent === undefined || seen.has(parent)) return 1;
    seen.add(parent);
    return depthOf(parent, seen) + 1;
  };
  const loops = new Map<string, LoopInfo>();
  for (const [id, body] of bodies) {
    const direct = doc.nodes.filter((n) => ownerOf.get(n.id) === id).map((n) => n.id);
    loops.set(id, { id, body, direct, parent: ownerOf.get(id), depth: depthOf(id) });
  }
  return { loops, ownerOf };
}

/**
 * A body is entered only through its loop's `each` and left only through the loop's `done`: an
 * edge from outside into a body node (the usual slip: a body node and `done` both leading to one
 * node) is refused with its path, and so is a loop nested deeper than MAX_LOOP_DEPTH.
 */
export function loopIssues(doc: Graph, structure: LoopStructure = loopStructure(doc)): Issue[] {
  const issues: Issue[] = [];
  const name = (id: string) => {
    const n = doc.nodes.find((x) => x.id === id);
    return n?.name?.trim() || id;
  };
  doc.edges.forEach((e, i) => {
    for (const loop of structure.loops.values()) {
      if (!loop.body.has(e.target) || loop.body.has(e.source)) continue;
      if (e.source === loop.id && e.sourceHandle === EACH) continue;
      const from = e.source === loop.id ? `the loop’s "${e.sourceHandle ?? ''}" output` : `"${name(e.source)}", outside the loop`;
      issues.push({
        path: `edges.${i}`,
        message: `"${name(e.target)}" runs once per item of loop "${name(loop.id)}", so it cannot also be reached from ${from}; a loop body is left only through "done"`,
      });
      return;
    }
  });
  doc.nodes.forEach((n, i) => {
    const loop = structure.loops.get(n.id);
    if (loop && loop.depth > MAX_LOOP_DEPTH) {
      issues.push({ path: `nodes.${i}`, message: `loops nest at most ${MAX_LOOP_DEPTH} deep; "${name(n.id)}" would be loop ${loop.depth}` });
    }
  });
  return issues;
}
