import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { fromJsonata, toJsonata, type Conditions } from './conditions.ts';

const data = { steps: { hook: { body: { plan: 'pro', total: 250, email: 'ada@example.com', note: '', tags: 'a/b' } } } };
const holds = async (c: Conditions) => (await jsonata(toJsonata(c)).evaluate(data)) as boolean;
const row = (left: string, op: Conditions['rows'][number]['op'], right = '') => ({ left, op, right });

describe('condition builder', () => {
  it('writes JSONata that means what each operator says', async () => {
    const p = 'steps.hook.body';
    const cases: [Conditions['rows'][number], boolean][] = [
      [row(`${p}.plan`, 'eq', 'pro'), true],
      [row(`${p}.plan`, 'ne', 'pro'), false],
      [row(`${p}.total`, 'gt', '100'), true],
      [row(`${p}.total`, 'lt', '100'), false],
      [row(`${p}.email`, 'contains', '@example'), true],
      [row(`${p}.email`, 'startsWith', 'ada@'), true],
      [row(`${p}.email`, 'startsWith', 'bob'), false],
      [row(`${p}.note`, 'empty'), true],
      [row(`${p}.missing`, 'empty'), true],
      [row(`${p}.plan`, 'empty'), false],
      [row(`${p}.plan`, 'exists'), true],
      [row(`${p}.missing`, 'exists'), false],
      [row(`${p}.email`, 'regex', '^[a-z]+@'), true],
      [row(`${p}.tags`, 'regex', 'a/b'), true],
    ];
    for (const [r, expected] of cases) expect(await holds({ join: 'and', rows: [r] }), JSON.stringify(r)).toBe(expected);
    expect(await holds({ join: 'and', rows: [row(`${p}.plan`, 'eq', 'pro'), row(`${p}.total`, 'gt', '500')] })).toBe(false);
    expect(await holds({ join: 'or', rows: [row(`${p}.plan`, 'eq', 'pro'), row(`${p}.total`, 'gt', '500')] })).toBe(true);
  });

  it('types values: numbers and booleans stay themselves, the rest are strings', () => {
    expect(toJsonata({ join: 'and', rows: [row('a', 'eq', '100')] })).toBe('a = 100');
    expect(toJsonata({ join: 'and', rows: [row('a', 'eq', 'true')] })).toBe('a = true');
    expect(toJsonata({ join: 'and', rows: [row('a', 'eq', 'say "hi"')] })).toBe('a = "say \\"hi\\""');
  });

  it('reads back what it writes, and nothing else', () => {
    const all: Conditions = {
      join: 'or',
      rows: [row('steps.hook.body.plan', 'eq', 'pro'), row('input.total', 'gt', '10.5'), row('input.note', 'empty'), row('input.tags', 'regex', 'a/b'), row('input.email', 'startsWith', 'ada')],
    };
    expect(fromJsonata(toJsonata(all))).toEqual(all);
    expect(fromJsonata('steps.hook.body.plan = "pro"')).toEqual({ join: 'and', rows: [row('steps.hook.body.plan', 'eq', 'pro')] });
    expect(fromJsonata('$count(input.items) > 2')).toBeUndefined();
    expect(fromJsonata('a = 1 and b = 2 or c = 3')).toBeUndefined();
    expect(fromJsonata('')).toEqual({ join: 'and', rows: [] });
  });
});
