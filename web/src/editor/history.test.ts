import { describe, expect, it } from 'vitest';
import { diffVersions } from '#shared/graph/diff.ts';
import type { WorkflowNode } from '#shared/workflow.ts';
import { comparable, diffCanvas, showValue } from './history.ts';

const n = (id: string, type: string, config: Record<string, unknown> = {}, x = 0): WorkflowNode => ({ id, type, position: { x, y: 0 }, config });

describe('history panel helpers', () => {
  it('leaves webhook tokens out of the draft, so a saved version and the draft compare equal', () => {
    const draft = { name: 'w', nodes: [n('hook', 'trigger.webhook', { methods: ['POST'], token: 'secret' })], edges: [] };
    const saved = { name: 'w', nodes: [n('hook', 'trigger.webhook', { methods: ['POST'] })], edges: [] };
    expect(comparable(draft).nodes[0]!.config).toEqual({ methods: ['POST'] });
    expect(diffVersions(saved, comparable(draft)).changed).toEqual([]);
  });

  it('draws the newer graph with the removed nodes and edges beside it, each marked', () => {
    const before = { name: 'w', nodes: [n('hook', 'trigger.manual'), n('a', 'data.transform', { expression: '1' }, 300), n('gone', 'data.transform', {}, 600)], edges: [{ id: 'e1', source: 'a', target: 'gone' }] };
    const after = { name: 'w', nodes: [n('hook', 'trigger.manual', {}, 40), n('a', 'data.transform', { expression: '2' }, 300), n('new', 'flow.delay', {}, 600)], edges: [{ id: 'e1', source: 'a', target: 'new' }] };
    const view = diffCanvas(before, after, diffVersions(before, after));
    expect(view.nodes.map((x) => [x.id, x.status, x.moved])).toEqual([
      ['hook', 'moved', true],
      ['a', 'changed', false],
      ['new', 'added', false],
      ['gone', 'removed', false],
    ]);
    expect(view.nodes.find((x) => x.id === 'gone')!.position).toEqual({ x: 600, y: 0 });
    expect(view.edges.map((e) => [e.id, e.status])).toEqual([
      ['e1', 'added'],
      ['removed:e1', 'removed'],
    ]);
  });

  it('shows values in one line', () => {
    expect(showValue(undefined)).toBe('—');
    expect(showValue('https://x')).toBe('https://x');
    expect(showValue({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(showValue('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
