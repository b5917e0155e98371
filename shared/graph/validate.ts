/**
 * Whole-workflow validation for activation and the editor: one trigger, a DAG reachable from it,
 * no dangling edges, known types, valid configs. Returns every fault with its path.
 */
import { fromZodIssues, type Issue } from '../issues.ts';
import { outputHandles } from '../nodes/define.ts';
import { RESPOND_TYPE } from '../nodes/action-respond.ts';
import { getNodeDefinition } from '../nodes/registry.ts';
import { loopIssues } from './loops.ts';
import type { Edge, WorkflowNode } from '../workflow.ts';

export type GraphInput = { nodes: readonly WorkflowNode[]; edges: readonly Edge[] };

const TEMPLATE = /\{\{[\s\S]*?\}\}/;

/** True when the value at `path` inside `config` is a string holding `{{ … }}` (checked at run time instead). */
function isTemplated(config: unknown, path: readonly PropertyKey[]): boolean {
  let cur: unknown = config;
  for (const key of path) {
    if (typeof cur === 'string') return TEMPLATE.test(cur);
    if (cur === null || typeof cur !== 'object') return false;
    cur = (cur as Record<PropertyKey, unknown>)[key as string];
  }
  return typeof cur === 'string' && TEMPLATE.test(cur);
}

/** Validates one node's config, dropping issues on templated strings. */
export function validateNodeConfig(node: Pick<WorkflowNode, 'type' | 'config'>, prefix: readonly PropertyKey[] = []): Issue[] {
  const def = getNodeDefinition(node.type);
  if (!def) return [{ path: [...prefix, 'type'].join('.'), message: `unknown node type "${node.type}"` }];
  const parsed = def.config.safeParse(node.config ?? {});
  if (parsed.success) return [];
  // A schema may refuse templates in a field outright (a schedule's cron is read at activation).
  const kept = parsed.error.issues.filter((i) => (i.code === 'custom' && i.params?.noTemplates === true) || !isTemplated(node.config, i.path));
  return fromZodIssues(kept, [...prefix, 'config']);
}

/** Every fault of the graph; empty means it may be activated. */
export function validateGraph(doc: GraphInput): Issue[] {
  const issues: Issue[] = [];
  const index = new Map<string, number>();
  doc.nodes.forEach((n, i) => {
    if (index.has(n.id)) issues.push({ path: `nodes.${i}.id`, message: `duplicate node id "${n.id}"` });
    else index.set(n.id, i);
  });

  const triggers: number[] = [];
  doc.nodes.forEach((n, i) => {
    const def = getNodeDefinition(n.type);
    if (!def) {
      issues.push({ path: `nodes.${i}.type`, message: `unknown node type "${n.type}"` });
      return;
    }
    if (def.kind === 'trigger') triggers.push(i);
    issues.push(...validateNodeConfig(n, ['nodes', i]));
  });
  if (triggers.length === 0) issues.push({ path: 'nodes', message: 'a workflow needs exactly one trigger node' });
  for (const i of triggers.slice(1)) {
    issues.push({ path: `nodes.${i}.type`, message: 'a workflow may have only one trigger node' });
  }
  issues.push(...respondIssues(doc, triggers));

  const out = new Map<string, string[]>();
  const edgeIds = new Set<string>();
  doc.edges.forEach((e, i) => {
    if (edgeIds.has(e.id)) issues.push({ path: `edges.${i}.id`, message: `duplicate edge id "${e.id}"` });
    edgeIds.add(e.id);
    const src = index.get(e.source);
    const dst = index.get(e.target);
    if (src === undefined) issues.push({ path: `edges.${i}.source`, message: `edge points from missing node "${e.source}"` });
    if (dst === undefined) issues.push({ path: `edges.${i}.target`, message: `edge points to missing node "${e.target}"` });
    if (src === undefined || dst === undefined) return;
    if (e.source === e.target) issues.push({ path: `edges.${i}`, message: 'a node cannot connect to itself' });
    const targetNode = doc.nodes[dst]!;
    if (getNodeDefinition(targetNode.type)?.kind === 'trigger') {
      issues.push({ path: `edges.${i}.target`, message: 'nothing may connect into a trigger' });
    }
    const handles = outputHandles(getNodeDefinition(doc.nodes[src]!.type), doc.nodes[src]!.config);
    if (handles && !handles.includes(e.sourceHandle ?? '')) {
      // E.g. an edge from a switch case that was renamed or removed: pinned on the edge itself.
      const which = e.sourceHandle ? `output "${e.sourceHandle}" no longer exists` : 'no output chosen';
      const options = handles.length ? `must be one of ${handles.map((h) => `"${h}"`).join(', ')}` : 'this node has no outputs';
      issues.push({ path: `edges.${i}.sourceHandle`, message: `${which}: ${options}` });
    } else if (!handles && e.sourceHandle) {
      issues.push({ path: `edges.${i}.sourceHandle`, message: `"${doc.nodes[src]!.type}" has no handle "${e.sourceHandle}"` });
    }
    out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  });

  issues.push(...loopIssues(doc));

  const cycle = findCycle(doc.nodes.map((n) => n.id), out);
  if (cycle) {
    // Pinned on the edge that closes it, so the editor can mark that one.
    const [from, to] = cycle.slice(-2);
    const closing = doc.edges.findIndex((e) => e.source === from && e.target === to);
    issues.push({ path: closing >= 0 ? `edges.${closing}` : 'edges', message: `this edge closes a cycle: ${cycle.join(' → ')}` });
  }

  if (triggers.length === 1) {
    const start = doc.nodes[triggers[0]!]!.id;
    const seen = new Set([start]);
    const stack = [start];
    while (stack.length) for (const next of out.get(stack.pop()!) ?? []) if (!seen.has(next)) (seen.add(next), stack.push(next));
    doc.nodes.forEach((n, i) => {
      if (!seen.has(n.id) && getNodeDefinition(n.type)?.kind !== 'trigger') {
        issues.push({ path: `nodes.${i}`, message: `"${n.id}" is not reachable from the trigger` });
      }
    });
  }
  return issues;
}

/** Returns one cycle as a list of node ids (first repeated at the end), or null. */
/** `action.respond` answers a held webhook request: only a webhook trigger in `respond` mode holds one. */
function respondIssues(doc: GraphInput, triggers: readonly number[]): Issue[] {
  const trigger = triggers.length === 1 ? doc.nodes[triggers[0]!]! : undefined;
  const response = (trigger?.config as { response?: { mode?: unknown } } | undefined)?.response;
  if (trigger?.type === 'trigger.webhook' && response?.mode === 'respond') return [];
  const why = trigger?.type === 'trigger.webhook' ? 'set the webhook trigger’s response mode to "respond"' : 'it needs a webhook trigger in "respond" mode';
  const issues: Issue[] = [];
  doc.nodes.forEach((n, i) => {
    if (n.type === RESPOND_TYPE) issues.push({ path: `nodes.${i}.type`, message: `a Respond node has no request to answer: ${why}` });
  });
  return issues;
}

function findCycle(ids: readonly string[], out: ReadonlyMap<string, string[]>): string[] | null {
  const state = new Map<string, 1 | 2>(); // 1 = on the current path, 2 = done
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    state.set(id, 1);
    path.push(id);
    for (const next of out.get(id) ?? []) {
      const s = state.get(next);
      if (s === 1) return [...path.slice(path.indexOf(next)), next];
      if (s === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(id, 2);
    return null;
  };
  for (const id of ids) if (!state.has(id)) {
    const found = visit(id);
    if (found) return found;
  }
  return null;
}
