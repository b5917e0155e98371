import { describe, expect, it, vi } from 'vitest';
import { ExpressionError } from '../errors.ts';
import { collectTemplatePaths, hasTemplate, parseTemplate, resolveTemplates, type EvaluateFn } from './template.ts';

/** A stand-in for JSONata: looks expressions up in a table, fails on anything else. */
function table(values: Record<string, unknown>): EvaluateFn {
  return async (expr) => {
    if (expr in values) return values[expr];
    throw Object.assign(new Error(`Unknown thing "${expr}" (position 3)`), { code: 'EXPRESSION_FAILED' });
  };
}

describe('parseTemplate', () => {
  it('splits text and trimmed expressions', () => {
    expect(parseTemplate('Hi {{ input.name }}, you owe {{amount}}!')).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'expr', source: 'input.name' },
      { kind: 'text', text: ', you owe ' },
      { kind: 'expr', source: 'amount' },
      { kind: 'text', text: '!' },
    ]);
  });

  it('returns one text part without templates, none for an empty string', () => {
    expect(parseTemplate('plain')).toEqual([{ kind: 'text', text: 'plain' }]);
    expect(parseTemplate('')).toEqual([]);
  });

  it('keeps braces inside the expression (object constructors, strings, regexes, comments)', () => {
    expect(parseTemplate('{{ {"a": {"b": 1}} }}')).toEqual([{ kind: 'expr', source: '{"a": {"b": 1}}' }]);
    expect(parseTemplate('{{ "}}" & x }}')).toEqual([{ kind: 'expr', source: '"}}" & x' }]);
    expect(parseTemplate("{{ '}}' }}")).toEqual([{ kind: 'expr', source: "'}}'" }]);
    expect(parseTemplate('{{ $match(x, /}}/) }}')).toEqual([{ kind: 'expr', source: '$match(x, /}}/)' }]);
    expect(parseTemplate('{{ a /* }} */ }}')).toEqual([{ kind: 'expr', source: 'a /* }} */' }]);
    expect(parseTemplate('{{ a / 2 }}')).toEqual([{ kind: 'expr', source: 'a / 2' }]);
    expect(parseTemplate('{"id": {{ input.id }}}')).toEqual([
      { kind: 'text', text: '{"id": ' },
      { kind: 'expr', source: 'input.id' },
      { kind: 'text', text: '}' },
    ]);
  });

  it('treats an unclosed {{ as text', () => {
    expect(parseTemplate('a {{ b')).toEqual([{ kind: 'text', text: 'a {{ b' }]);
    expect(parseTemplate('{{ a {{ b }}')).toEqual([
      { kind: 'text', text: '{{ a ' },
      { kind: 'expr', source: 'b' },
    ]);
  });
});

describe('hasTemplate', () => {
  it('is true only for a complete {{ … }}', () => {
    expect(hasTemplate('{{ x }}')).toBe(true);
    expect(hasTemplate('a {{x}} b')).toBe(true);
    expect(hasTemplate('no braces')).toBe(false);
    expect(hasTemplate('{{ open')).toBe(false);
    expect(hasTemplate('{ x }')).toBe(false);
  });
});

describe('resolveTemplates', () => {
  const evaluate = table({
    'input.email': 'ada@example.com',
    'input.count': 3,
    'input.ok': true,
    'input.user': { name: 'Ada' },
    'input.tags': ['a', 'b'],
    'input.none': null,
    'input.missing': undefined,
  });

  it('gives a lone expression its own type', async () => {
    expect(await resolveTemplates('{{ input.count }}', evaluate)).toBe(3);
    expect(await resolveTemplates('  {{ input.ok }}\n', evaluate)).toBe(true);
    expect(await resolveTemplates('{{ input.user }}', evaluate)).toEqual({ name: 'Ada' });
    expect(await resolveTemplates('{{ input.none }}', evaluate)).toBeNull();
    expect(await resolveTemplates('{{ input.missing }}', evaluate)).toBeUndefined();
  });

  it('interpolates values as text inside longer strings', async () => {
    expect(await resolveTemplates('n={{input.count}} ok={{input.ok}}', evaluate)).toBe('n=3 ok=true');
    expect(await resolveTemplates('u={{input.user}} t={{input.tags}}', evaluate)).toBe('u={"name":"Ada"} t=["a","b"]');
    expect(await resolveTemplates('[{{input.none}}|{{input.missing}}]', evaluate)).toBe('[|]');
    expect(await resolveTemplates('{{ input.email }}{{ input.count }}', evaluate)).toBe('ada@example.com3');
  });

  it('walks arrays and plain objects, keeping keys and untouched branches', async () => {
    const untouched = { a: 1, list: [1, 2] };
    const config = {
      url: 'https://x.test/{{ input.count }}',
      body: { email: '{{ input.email }}', tags: ['{{ input.tags }}', 'fixed'] },
      untouched,
      n: 5,
      flag: false,
    };
    const out = (await resolveTemplates(config, evaluate)) as typeof config;
    expect(out).toEqual({
      url: 'https://x.test/3',
      body: { email: 'ada@example.com', tags: [['a', 'b'], 'fixed'] },
      untouched,
      n: 5,
      flag: false,
    });
    expect(out.untouched).toBe(untouched);
    expect(config.body.email).toBe('{{ input.email }}'); // the input is never modified
  });

  it('returns the very same value when there is no template anywhere', async () => {
    const evaluateSpy = vi.fn(evaluate);
    const config = { a: 'x', b: [1, { c: 'y {{ open' }], d: null };
    expect(await resolveTemplates(config, evaluateSpy)).toBe(config);
    expect(await resolveTemplates('plain', evaluateSpy)).toBe('plain');
    expect(await resolveTemplates(42, evaluateSpy)).toBe(42);
    expect(evaluateSpy).not.toHaveBeenCalled();
  });

  it('leaves non-plain objects alone', async () => {
    const d = new Date(0);
    expect(await resolveTemplates(d, evaluate)).toBe(d);
  });

  it('keeps a __proto__ key an own key (no prototype change)', async () => {
    const config = JSON.parse('{"__proto__": {"x": "{{ input.email }}"}}') as Record<string, unknown>;
    const out = (await resolveTemplates(config, evaluate)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ x: 'ada@example.com' });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('throws ExpressionError naming the dotted path and what failed', async () => {
    const config = { headers: { Authorization: 'Bearer {{ nope }}' }, body: { list: ['ok', '{{ bad.thing }}'] } };
    const err = await resolveTemplates({ headers: config.headers }, evaluate, 'config').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExpressionError);
    expect((err as ExpressionError).path).toBe('config.headers.Authorization');
    expect((err as ExpressionError).message).toContain('Unknown thing "nope" (position 3)');
    expect((err as ExpressionError).code).toBe('EXPRESSION_FAILED');
    expect((err as ExpressionError).details).toEqual({ path: 'config.headers.Authorization', expression: 'nope' });

    const err2 = (await resolveTemplates({ body: config.body }, evaluate).catch((e: unknown) => e)) as ExpressionError;
    expect(err2.path).toBe('body.list.1');

    const err3 = (await resolveTemplates('{{ nope }}', evaluate).catch((e: unknown) => e)) as ExpressionError;
    expect(err3.path).toBe('');
    expect(err3.message.startsWith('Unknown thing')).toBe(true);
  });
});

describe('collectTemplatePaths', () => {
  it('lists the dotted path of every templated string', () => {
    const config = { url: '{{ a }}', body: { x: ['plain', 'v={{ b }}'], y: 'z' }, n: 1 };
    expect(collectTemplatePaths(config)).toEqual(['url', 'body.x.1']);
    expect(collectTemplatePaths(config, 'config')).toEqual(['config.url', 'config.body.x.1']);
    expect(collectTemplatePaths('{{ a }}')).toEqual(['']);
    expect(collectTemplatePaths({ a: 'b' })).toEqual([]);
  });
});
