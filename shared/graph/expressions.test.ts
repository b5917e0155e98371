import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { describeCompileError, expressionIssues } from './expressions.ts';

const at = { x: 0, y: 0 };
const doc = (config: Record<string, unknown>, type = 'action.http') => ({
  nodes: [
    { id: 'hook', type: 'trigger.webhook', position: at, config: {} },
    { id: 'n', type, position: at, config },
  ],
  edges: [],
});

describe('expressionIssues', () => {
  it('finds a bad {{ }} anywhere inside a config value, with the path down to it', () => {
    const issues = expressionIssues(doc({ url: 'https://x.test', headers: { ok: 'a {{ input.a }}', bad: 'b {{ input.a + }}' }, body: [{ deep: ['{{ 1 + }}'] }] }), jsonata);
    expect(issues.map((i) => i.path)).toEqual(['nodes.1.config.headers.bad', 'nodes.1.config.body.0.deep.0']);
  });

  it('leaves plain text, an unclosed {{ and good expressions alone', () => {
    expect(expressionIssues(doc({ url: 'https://x.test/{{ input.id }}', body: 'price {{ not closed' }), jsonata)).toEqual([]);
    expect(expressionIssues(doc({ condition: 'input.a > 1 and input.b = "x"' }, 'logic.if'), jsonata)).toEqual([]);
  });

  it('compiles a JSONata field as a whole, not as a template', () => {
    const [issue] = expressionIssues(doc({ condition: 'input.a > ' }, 'logic.if'), jsonata);
    expect(issue?.path).toBe('nodes.1.config.condition');
    expect(expressionIssues(doc({ condition: '' }, 'logic.if'), jsonata)).toEqual([]); // the schema says "required"
  });

  it('names the JSONata spelling of a JavaScript operator', () => {
    expect(describeCompileError('a || b', { message: 'Syntax error', position: 3 })).toBe('expression does not compile: Syntax error at character 3 (JSONata writes "or" for ||)');
    expect(describeCompileError('a +', { message: 'Unexpected end' })).toBe('expression does not compile: Unexpected end');
  });
});
