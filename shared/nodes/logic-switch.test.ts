import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { expressionIssues } from '../graph/expressions.ts';
import { validateGraph } from '../graph/validate.ts';
import { switchHandles, switchNode } from './logic-switch.ts';

const at = { x: 0, y: 0 };
const graph = (config: Record<string, unknown>, edges: { id: string; source: string; target: string; sourceHandle?: string }[]) => ({
  nodes: [
    { id: 'start', type: 'trigger.manual', position: at, config: {} },
    { id: 'route', type: 'logic.switch', position: at, config },
    { id: 'a', type: 'data.transform', position: at, config: { expression: 'input' } },
  ],
  edges: [{ id: 'in', source: 'start', target: 'route' }, ...edges],
});

describe('logic.switch', () => {
  it('has one output per named case, in order, then fallback unless it is off', () => {
    expect(switchHandles({ cases: [{ name: 'b', condition: 'x' }, { name: ' a ', condition: 'y' }] })).toEqual(['b', 'a', 'fallback']);
    expect(switchHandles({ cases: [{ name: 'b', condition: 'x' }], fallback: false })).toEqual(['b']);
    // A draft being edited: unnamed and repeated names give no (second) handle, junk gives none.
    expect(switchHandles({ cases: [{ name: '' }, { name: 'b' }, { name: 'b' }, null, 7] })).toEqual(['b', 'fallback']);
    expect(switchHandles({})).toEqual(['fallback']);
  });

  it('refuses no cases, more than 20, a repeated name and the reserved name, each with its path', () => {
    const paths = (config: unknown) => (switchNode.config.safeParse(config).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(paths({ cases: [] })).toEqual(['cases: at least one case']);
    expect(paths({ cases: Array.from({ length: 21 }, (_, i) => ({ name: `c${i}`, condition: 'true' })) })).toEqual(['cases: at most 20 cases']);
    expect(paths({ cases: [{ name: 'x', condition: 'true' }, { name: 'x', condition: 'false' }] })).toEqual(['cases.1.name: two cases are named "x"']);
    expect(paths({ cases: [{ name: 'fallback', condition: 'true' }] })).toEqual(['cases.0.name: "fallback" is the name of the unmatched output']);
    expect(switchNode.config.parse({ cases: [{ name: 'x', condition: 'true' }] })).toEqual({ cases: [{ name: 'x', condition: 'true' }], fallback: true });
  });

  it('flags an edge left on a removed case, on the edge, naming the outputs there are', () => {
    const issues = validateGraph(graph({ cases: [{ name: 'kept', condition: 'true' }] }, [{ id: 'old', source: 'route', target: 'a', sourceHandle: 'removed' }]));
    expect(issues).toContainEqual({ path: 'edges.1.sourceHandle', message: 'output "removed" no longer exists: must be one of "kept", "fallback"' });
    const fine = validateGraph(graph({ cases: [{ name: 'kept', condition: 'true' }] }, [{ id: 'ok', source: 'route', target: 'a', sourceHandle: 'kept' }]));
    expect(fine.filter((i) => i.path.startsWith('edges'))).toEqual([]);
  });

  it("compiles each case's condition as JSONata, with the path to that case", () => {
    const doc = graph({ cases: [{ name: 'ok', condition: 'input.a = 1' }, { name: 'bad', condition: 'input.a == 1' }] }, []);
    expect(expressionIssues(doc, jsonata).map((i) => i.path)).toEqual(['nodes.1.config.cases.1.condition']);
  });
});
