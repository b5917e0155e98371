/** Compiled, cached workflow versions: versions are immutable, so one parse serves every execution. */
import type { AnyNodeDefinition } from '#shared/nodes/define.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { Edge, WorkflowNode, WorkflowSnapshot } from '#shared/workflow.ts';

export type CompiledNode = { node: WorkflowNode; def: AnyNodeDefinition | undefined; incoming: Edge[]; outgoing: Edge[] };
export type CompiledWorkflow = {
  id: string;
  name: string;
  version: number;
  nodes: Map<string, CompiledNode>;
  /** Node ids in document order (deterministic run and input order). */
  order: string[];
  triggerId: string | undefined;
};

export function compileWorkflow(s: WorkflowSnapshot): CompiledWorkflow {
  const nodes = new Map<string, CompiledNode>();
  for (const node of s.nodes) nodes.set(node.id, { node, def: getNodeDefinition(node.type), incoming: [], outgoing: [] });
  for (const e of s.edges) {
    const src = nodes.get(e.source);
    const dst = nodes.get(e.target);
    if (!src || !dst) continue; // dangling edges are refused on activation; a manual run of a draft ignores them
    src.outgoing.push(e);
    dst.incoming.push(e);
  }
  const triggerId = s.nodes.find((n) => getNodeDefinition(n.type)?.kind === 'trigger')?.id;
  return { id: s.id, name: s.name, version: s.version, nodes, order: s.nodes.map((n) => n.id), triggerId };
}

export type SnapshotCache = { get(workflowId: string, version: number): Promise<CompiledWorkflow> };

export function createSnapshotCache(
  load: (workflowId: string, version: number) => Promise<WorkflowSnapshot | undefined>,
  capacity = 500,
): SnapshotCache {
  const cache = new Map<string, CompiledWorkflow>();
  return {
    async get(workflowId, version) {
      const key = `${workflowId}@${version}`;
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key); // refresh LRU position
        cache.set(key, hit);
        return hit;
      }
      const snap = await load(workflowId, version);
      if (!snap) throw new Error(`workflow ${workflowId} version ${version} not found`);
      const compiled = compileWorkflow(snap);
      cache.set(key, compiled);
      if (cache.size > capacity) cache.delete(cache.keys().next().value!);
      return compiled;
    },
  };
}
