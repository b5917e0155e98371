/** Validation issues tied to canvas nodes: server `{path, message}` paths re-keyed to node ids. */
import type { Issue } from '#shared/issues.ts';
import type { GraphDocument } from './mapping.ts';

/** A validation fault tied to a node when it can be (`path` is then relative to it, e.g. `config.url`). */
export type NodeIssue = { nodeId: string | null; path: string; message: string; edgeId?: string };

/** Zod's "expected string, received undefined" is, for a person filling a form, "required". */
export function friendlyMessage(message: string): string {
  return /received undefined$/i.test(message) || /^required$/i.test(message) ? 'required' : message;
}

/** Maps `nodes.2.config.url` / `edges.1.target` to the node they concern. */
export function toNodeIssues(issues: readonly Issue[], doc: GraphDocument): NodeIssue[] {
  return issues.map(({ path, message: raw }) => {
    const issue = { path, message: friendlyMessage(raw) };
    const [head, index, ...rest] = issue.path.split('.');
    const i = Number(index);
    if (head === 'nodes' && Number.isInteger(i) && doc.nodes[i]) {
      return { nodeId: doc.nodes[i].id, path: rest.join('.'), message: issue.message };
    }
    if (head === 'edges' && Number.isInteger(i) && doc.edges[i]) {
      const e = doc.edges[i];
      // An output that does not exist (a removed switch case) is the source's fault; the rest the target's.
      const onSource = rest[0] === 'sourceHandle' || !doc.nodes.some((n) => n.id === e.target);
      return { nodeId: onSource ? e.source : e.target, path: '', message: issue.message, edgeId: e.id };
    }
    return { nodeId: null, path: issue.path, message: issue.message };
  });
}
