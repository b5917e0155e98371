import { describe, expect, it } from 'vitest';
import { connectFrom, freeOutputs, placeAfter } from './append.ts';
import type { FlowEdge, FlowNode } from './mapping.ts';

const n = (id: string, type: string, x = 0, y = 0): FlowNode => ({ id, type: 'workflow', position: { x, y }, data: { type, config: {} } });

describe('appending a node', () => {
  const nodes = [n('hook', 'trigger.webhook'), n('check', 'logic.if', 300, 0), n('a', 'action.http', 600, -70)];
  const edges: FlowEdge[] = [
    { id: 'e1', source: 'hook', target: 'check' },
    { id: 'e2', source: 'check', target: 'a', sourceHandle: 'true' },
  ];

  it('knows which outputs are free', () => {
    expect(freeOutputs('check', nodes, edges)).toEqual(['false']);
    expect(freeOutputs('hook', nodes, edges)).toEqual([]);
    expect(freeOutputs('a', nodes, edges)).toEqual([null]);
  });

  it('connects from the asked output if free, else from the only free one, else not at all', () => {
    expect(connectFrom('check', 'false', nodes, edges)).toBe('false');
    expect(connectFrom('check', 'true', nodes, edges)).toBeUndefined();
    expect(connectFrom('check', undefined, nodes, edges)).toBe('false');
    expect(connectFrom('hook', undefined, nodes, edges)).toBeUndefined();
    expect(connectFrom('a', undefined, nodes, edges)).toBeNull();
  });

  it('places to the right, true above false, and below anything already there', () => {
    const check = nodes[1]!;
    expect(placeAfter(check, 'true', [check])).toEqual({ x: 600, y: -70 });
    expect(placeAfter(check, 'false', [check])).toEqual({ x: 600, y: 70 });
    // "true" is taken by node a: the next spot down that is free.
    expect(placeAfter(check, 'true', nodes)).toEqual({ x: 600, y: 70 });
    expect(placeAfter(nodes[2]!, null, nodes)).toEqual({ x: 900, y: -70 });
  });
});
