/** Compiled, cached workflow versions: versions are immutable, so one parse serves every execution. */
import { loopStructure } from '#shared/graph/loops.ts';
import type { AnyNodeDefinition } from '#shared/nodes/define.ts';
import { EACH } from '#shared/nodes/flow-foreach.ts';
import { findTrigger, getNodeDefinition } from '#shared/nodes/registry.ts';
import type { Edge, WorkflowNode, WorkflowSettings, WorkflowSnapshot } from '#shared/workflow.ts';

export type CompiledNode = {
  node: WorkflowNode;
  def: AnyNodeDefinition | undefined;
  /**
   * Edges into this node from its own scope (the same loop iteration, or the execution itself), and
   * the owning loop's `each`. Anything else (only in a graph activation would refuse: a draft's
   * manual run) is ignored rather than waited for forever.
   */
  incoming: Edge[];
  outgoing: Edge[];
  /** The innermost flow.forEach this node runs in, once per item (undefined: once per execution). */
  loop: string | undefined;
};

/** A flow.forEach's body as the loop executor runs it. */
export type CompiledLoop = {
  /** The nodes that run once per item (nested loops' bodies excluded), in document order. */
  direct: string[];
  /** The same, sources before targets: an iteration's result is the output of the last one that ran. */
  topo: string[];
};

export type CompiledWorkflow = {
  id: string;
  name: string;
  version: number;
  nodes: Map<string, CompiledNode>;
  /** Node ids in document order (deterministic run and input order). */
  order: string[];
  /** The nodes that run once per execution (outside every loop), in document order. */
  rootOrder: string[];
  loops: Map<string, CompiledLoop>;
  triggerId: string | undefined;
  /** The version's settings (timeout, concurrency, alerts). */
  settings: WorkflowSettings;
};

export function compileWorkflow(s: WorkflowSnapshot): CompiledWorkflow {
  const structure = loopStructure(s);
  const nodes = new Map<string, CompiledNode>();
  for (const node of s.nodes) {
    nodes.set(node.id, { node, def: getNodeDefinition(node.type), incoming: [], outgoing: [], loop: structure.ownerOf.get(node.id) });
  }
  for (const e of s.edges) {
    const src = nodes.get(e.source);
    const dst = nodes.get(e.target);
    if (!src || !dst) continue; // dangling edges are refused on activation; a manual run of a draft ignores them
    src.outgoing.push(e);
    const sameScope = src.loop === dst.loop && !(e.source === dst.loop);
    const entry = e.source === dst.loop && e.sourceHandle === EACH;
    if (sameScope || entry) dst.incoming.push(e);
  }
  const loops = new Map<string, CompiledLoop>();
  for (const [id, info] of structure.loops) loops.set(id, { direct: [...info.direct], topo: topoOrder(info.direct, nodes) });
  const triggerId = findTrigger(s.nodes)?.id;
  const order = s.nodes.map((n) => n.id);
  return { id: s.id, name: s.name, version: s.version, nodes, order, rootOrder: order.filter((id) => !nodes.get(id)!.loop), loops, triggerId, settings: s.settings ?? {} };
}

/** Sources before targets among `ids` (document order breaks ties); a cycle's rest is appended as found. */
function topoOrder(ids: readonly string[], nodes: ReadonlyMap<string, CompiledNode>): string[] {
  const inScope = new Set(ids);
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (id: string, path: Set<string>) => {
    if (done.has(id) || path.has(id)) return;
    path.add(id);
    for (const e of nodes.get(id)!.incoming) if (inScope.has(e.source)) visit(e.source, path);
    done.add(id);
    out.push(id);
  };
  for (const id of ids) visit(id, new Set());
  return out;
}

export type SnapshotCache = { get(workflowId: string, version: number): Promise<CompiledWorkflow> };

export function createSnapshotCache(
  load: (workflowId: string, version: number) => Promise<WorkflowSnapshot | undefined>,
  capacity = 500,
): SnapshotCache {
  const cache = new Map<string, CompiledWorkflow>();
  /** Loads under way: a burst of starts of a version not cached yet reads it once, not once each. */
  const loading = new Map<string, Promise<CompiledWorkflow>>();
  async function loadAndCompile(key: string, workflowId: string, version: number): Promise<CompiledWorkflow> {
    try {
      const snap = await load(workflowId, version);
      if (!snap) throw new Error(`workflow ${workflowId} version ${version} not found`);
      const compiled = compileWorkflow(snap);
      cache.set(key, compiled);
      if (cache.size > capacity) cache.delete(cache.keys().next().value!);
      return compiled;
    } finally {
      loading.delete(key);
    }
  }
  return {
    async get(workflowId, version) {
      const key = `${workflowId}@${version}`;
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key); // refresh LRU position
        cache.set(key, hit);
        return hit;
      }
      let pending = loading.get(key);
      if (!pending) loading.set(key, (pending = loadAndCompile(key, workflowId, version)));
      return pending;
    },
  };
}
