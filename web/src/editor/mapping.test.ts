import { describe, expect, it } from 'vitest';
import type { Edge, WorkflowNode } from '#shared/workflow.ts';
import { fromFlow, toFlow, type FlowNode } from './mapping.ts';

const nodes: WorkflowNode[] = [
  { id: 'hook', type: 'trigger.webhook', name: 'Signup', position: { x: 0, y: 0 }, config: { methods: ['POST'], token: 'abc' } },
  {
    id: 'check',
    type: 'logic.if',
    position: { x: 300, y: 0 },
    config: { condition: 'input.body.amount > 100' },
    retry: { attempts: 3, delayMs: 1000 },
    onError: 'continue',
    notes: 'big orders only',
  },
  { id: 'crm', type: 'action.http', position: { x: 600, y: -80 }, config: { url: 'https://crm.example/{{ steps.hook.body.id }}' } },
  { id: 'mystery', type: 'vendor.future', position: { x: 600, y: 80 }, config: { anything: [1, { deep: true }] } },
];
const edges: Edge[] = [
  { id: 'e1', source: 'hook', target: 'check' },
  { id: 'e2', source: 'check', target: 'crm', sourceHandle: 'true' },
  { id: 'e3', source: 'check', target: 'mystery', sourceHandle: 'false' },
];

describe('workflow ⇄ React Flow mapping', () => {
  it('round-trips a document unchanged', () => {
    const flow = toFlow({ nodes, edges });
    expect(fromFlow(flow.nodes, flow.edges)).toEqual({ nodes, edges });
  });

  it('uses the one generic node type and keeps the domain type in data', () => {
    const flow = toFlow({ nodes, edges });
    expect(flow.nodes.map((n) => n.type)).toEqual(['workflow', 'workflow', 'workflow', 'workflow']);
    expect(flow.nodes[3]!.data.type).toBe('vendor.future');
    expect(flow.edges[1]).toMatchObject({ sourceHandle: 'true', label: 'true' });
  });

  it('drops React Flow internals and rounds positions', () => {
    const flow = toFlow({ nodes: nodes.slice(0, 1), edges: [] });
    const touched: FlowNode = {
      ...flow.nodes[0]!,
      position: { x: 10.4, y: 19.6 },
      selected: true,
      dragging: false,
      measured: { width: 220, height: 80 },
    };
    const doc = fromFlow([touched], [{ id: 'x', source: 'hook', target: 'a', selected: true, animated: true, sourceHandle: null }]);
    expect(doc.nodes[0]).toEqual({ ...nodes[0], position: { x: 10, y: 20 } });
    expect(doc.edges[0]).toEqual({ id: 'x', source: 'hook', target: 'a' });
  });

  it('omits empty optional fields', () => {
    const flow = toFlow({ nodes: [{ id: 'a', type: 'flow.delay', position: { x: 0, y: 0 }, config: { seconds: 1 } }], edges: [] });
    flow.nodes[0]!.data.name = '';
    expect(fromFlow(flow.nodes, []).nodes[0]).toEqual({ id: 'a', type: 'flow.delay', position: { x: 0, y: 0 }, config: { seconds: 1 } });
  });
});
