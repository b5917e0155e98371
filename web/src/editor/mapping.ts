/**
 * Workflow document ⇄ React Flow nodes and edges. Pure: React Flow internals (`selected`,
 * `measured`, `dragging`) never reach the saved document, and document fields survive a round trip.
 */
import type { Edge as FlowEdgeBase, Node } from '@xyflow/react';
import type { Edge, OnError, RetryPolicy, WorkflowNode } from '#shared/workflow.ts';

/** What a canvas node carries: everything of the document node but its id and position. */
export type WorkflowNodeData = {
  type: string;
  name?: string;
  config: Record<string, unknown>;
  retry?: RetryPolicy;
  onError?: OnError;
  notes?: string;
};

/**
 * Every canvas node has the one React Flow type `workflow` (the generic component); the domain
 * type lives in `data.type`, so unknown or future node types still render and round-trip.
 */
export type FlowNode = Node<WorkflowNodeData, 'workflow'>;
export type FlowEdge = FlowEdgeBase;

export const FLOW_NODE_TYPE = 'workflow' as const;

export type GraphDocument = { nodes: WorkflowNode[]; edges: Edge[] };

export function toFlowNode(n: WorkflowNode): FlowNode {
  const data: WorkflowNodeData = { type: n.type, config: n.config ?? {} };
  if (n.name !== undefined) data.name = n.name;
  if (n.retry !== undefined) data.retry = n.retry;
  if (n.onError !== undefined) data.onError = n.onError;
  if (n.notes !== undefined) data.notes = n.notes;
  return { id: n.id, type: FLOW_NODE_TYPE, position: { x: n.position.x, y: n.position.y }, data };
}

export function toFlowEdge(e: Edge): FlowEdge {
  const edge: FlowEdge = { id: e.id, source: e.source, target: e.target };
  if (e.sourceHandle) {
    edge.sourceHandle = e.sourceHandle;
    edge.label = e.sourceHandle;
  }
  if (e.targetHandle) edge.targetHandle = e.targetHandle;
  return edge;
}

/** Document → canvas. */
export function toFlow(doc: GraphDocument): { nodes: FlowNode[]; edges: FlowEdge[] } {
  return { nodes: doc.nodes.map(toFlowNode), edges: doc.edges.map(toFlowEdge) };
}

export function fromFlowNode(n: FlowNode): WorkflowNode {
  const out: WorkflowNode = {
    id: n.id,
    type: n.data.type,
    position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    config: n.data.config,
  };
  if (n.data.name !== undefined && n.data.name !== '') out.name = n.data.name;
  if (n.data.retry !== undefined) out.retry = n.data.retry;
  if (n.data.onError !== undefined) out.onError = n.data.onError;
  if (n.data.notes !== undefined && n.data.notes !== '') out.notes = n.data.notes;
  return out;
}

export function fromFlowEdge(e: FlowEdge): Edge {
  const out: Edge = { id: e.id, source: e.source, target: e.target };
  if (e.sourceHandle) out.sourceHandle = e.sourceHandle;
  if (e.targetHandle) out.targetHandle = e.targetHandle;
  return out;
}

/** Canvas → document (what PUT /api/workflows/:id receives). */
export function fromFlow(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): GraphDocument {
  return { nodes: nodes.map(fromFlowNode), edges: edges.map(fromFlowEdge) };
}
