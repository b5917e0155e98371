import { describe, expect, it } from 'vitest';
import { validateGraph } from './validate.ts';

const hook = { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: {} };
const t = (id: string, expression = '1') => ({ id, type: 'data.transform', position: { x: 0, y: 0 }, config: { expression } });
const e = (id: string, source: string, target: string, sourceHandle?: string) => ({ id, source, target, ...(sourceHandle ? { sourceHandle } : {}) });
const paths = (issues: { path: string }[]) => issues.map((i) => i.path).sort();

describe('validateGraph', () => {
  it('accepts a valid DAG', () => {
    expect(validateGraph({ nodes: [hook, t('a'), t('b')], edges: [e('1', 'hook', 'a'), e('2', 'a', 'b')] })).toEqual([]);
  });

  it('needs exactly one trigger', () => {
    expect(paths(validateGraph({ nodes: [t('a')], edges: [] }))).toContain('nodes');
    const two = validateGraph({ nodes: [hook, { ...hook, id: 'hook2' }], edges: [] });
    expect(two).toContainEqual({ path: 'nodes.1.type', message: 'a workflow may have only one trigger node' });
  });

  it('finds cycles with their path', () => {
    const issues = validateGraph({ nodes: [hook, t('a'), t('b')], edges: [e('1', 'hook', 'a'), e('2', 'a', 'b'), e('3', 'b', 'a')] });
    expect(issues).toContainEqual({ path: 'edges.2', message: 'this edge closes a cycle: a → b → a' });
  });

  it('finds dangling edges, unknown types, unreachable nodes and duplicate ids', () => {
    const issues = validateGraph({
      nodes: [hook, t('a'), { id: 'x', type: 'no.such', position: { x: 0, y: 0 }, config: {} }, t('a'), t('lonely')],
      edges: [e('1', 'hook', 'a'), e('2', 'a', 'ghost'), e('3', 'hook', 'x')],
    });
    expect(paths(issues)).toEqual(['edges.1.target', 'nodes.2.type', 'nodes.3.id', 'nodes.4'].sort());
  });

  it('checks configs with their path, but leaves templated strings to run time', () => {
    const issues = validateGraph({
      nodes: [
        hook,
        { id: 'call', type: 'action.http', position: { x: 0, y: 0 }, config: { url: 'ftp://nope', timeoutMs: 5 } },
        { id: 'call2', type: 'action.http', position: { x: 0, y: 0 }, config: { url: '{{ steps.hook.body.url }}', timeoutMs: '{{ 100 * 20 }}' } },
        t('empty', ''),
      ],
      edges: [e('1', 'hook', 'call'), e('2', 'hook', 'call2'), e('3', 'hook', 'empty')],
    });
    expect(paths(issues)).toEqual(['nodes.1.config.timeoutMs', 'nodes.1.config.url', 'nodes.3.config.expression']);
  });

  it('requires logic.if edges to use its true/false handles, and nothing to enter a trigger', () => {
    const issues = validateGraph({
      nodes: [hook, { id: 'cond', type: 'logic.if', position: { x: 0, y: 0 }, config: { condition: 'true' } }, t('a'), t('b')],
      edges: [e('1', 'hook', 'cond'), e('2', 'cond', 'a', 'true'), e('3', 'cond', 'b'), e('4', 'a', 'hook')],
    });
    // a → hook closes the cycle hook → cond → a → hook, and is also an edge into a trigger.
    expect(paths(issues)).toEqual(['edges.2.sourceHandle', 'edges.3', 'edges.3.target'].sort());
  });
});
