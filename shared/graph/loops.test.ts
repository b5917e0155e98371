import { describe, expect, it } from 'vitest';
import { loopIssues, loopStructure } from './loops.ts';
import { validateGraph } from './validate.ts';

const node = (id: string, type = 'data.transform', config: Record<string, unknown> = { expression: '1' }) => ({ id, type, position: { x: 0, y: 0 }, config });
const loop = (id: string) => node(id, 'flow.forEach', { items: 'input' });
const e = (id: string, source: string, target: string, sourceHandle?: string) => ({ id, source, target, ...(sourceHandle ? { sourceHandle } : {}) });
const start = node('start', 'trigger.manual', {});

describe('loop structure', () => {
  it('puts everything reachable from each in the body, and nested bodies in their own loop', () => {
    const nodes = [start, loop('outer'), node('a'), loop('inner'), node('b'), node('c'), node('after')];
    const edges = [
      e('1', 'start', 'outer'),
      e('2', 'outer', 'a', 'each'),
      e('3', 'a', 'inner'),
      e('4', 'inner', 'b', 'each'),
      e('5', 'inner', 'c', 'done'),
      e('6', 'outer', 'after', 'done'),
    ];
    const s = loopStructure({ nodes, edges });
    expect([...s.loops.get('outer')!.body].sort()).toEqual(['a', 'b', 'c', 'inner']);
    expect(s.loops.get('outer')!.direct).toEqual(['a', 'inner', 'c']);
    expect(s.loops.get('inner')).toMatchObject({ direct: ['b'], parent: 'outer', depth: 2 });
    expect(Object.fromEntries(s.ownerOf)).toEqual({ a: 'outer', inner: 'outer', b: 'inner', c: 'outer' });
    expect(validateGraph({ nodes, edges })).toEqual([]);
  });

  it('refuses an edge into a body from outside it, with its path: a body is left only through done', () => {
    // body → merge and done → merge: "merge" is reached from each, so it runs per item, and done cannot also lead to it.
    const nodes = [start, loop('each'), node('a'), node('merge')];
    const edges = [e('1', 'start', 'each'), e('2', 'each', 'a', 'each'), e('3', 'a', 'merge'), e('4', 'each', 'merge', 'done')];
    expect(validateGraph({ nodes, edges })).toEqual([
      {
        path: 'edges.3',
        message: '"merge" runs once per item of loop "each", so it cannot also be reached from the loop’s "done" output; a loop body is left only through "done"',
      },
    ]);
    // A node before the loop leading into the body.
    const before = [e('1', 'start', 'each'), e('2', 'each', 'a', 'each'), e('3', 'start', 'a')];
    expect(loopIssues({ nodes: [start, loop('each'), node('a')], edges: before })).toEqual([
      { path: 'edges.2', message: '"a" runs once per item of loop "each", so it cannot also be reached from "start", outside the loop; a loop body is left only through "done"' },
    ]);
  });

  it('refuses an inner body left except through its done, into the outer body', () => {
    const nodes = [start, loop('outer'), loop('inner'), node('b'), node('x')];
    const edges = [e('1', 'start', 'outer'), e('2', 'outer', 'inner', 'each'), e('3', 'inner', 'b', 'each'), e('4', 'b', 'x'), e('5', 'inner', 'x', 'done')];
    expect(loopIssues({ nodes, edges }).map((i) => i.path)).toEqual(['edges.4']);
  });

  it('refuses loops nested more than 3 deep, at the fourth loop', () => {
    const nodes = [start, loop('l1'), loop('l2'), loop('l3'), loop('l4'), node('body')];
    const edges = [e('1', 'start', 'l1'), e('2', 'l1', 'l2', 'each'), e('3', 'l2', 'l3', 'each'), e('4', 'l3', 'l4', 'each'), e('5', 'l4', 'body', 'each')];
    expect(loopIssues({ nodes, edges })).toEqual([{ path: 'nodes.4', message: 'loops nest at most 3 deep; "l4" would be loop 4' }]);
    expect(loopIssues({ nodes: nodes.slice(0, 4).concat(node('body')), edges: [...edges.slice(0, 3), e('5', 'l3', 'body', 'each')] })).toEqual([]);
  });

  it('refuses an edge from a loop on a handle it does not have', () => {
    const issues = validateGraph({ nodes: [start, loop('each'), node('a')], edges: [e('1', 'start', 'each'), e('2', 'each', 'a', 'every')] });
    expect(issues).toContainEqual({ path: 'edges.1.sourceHandle', message: 'output "every" no longer exists: must be one of "each", "done"' });
  });
});
