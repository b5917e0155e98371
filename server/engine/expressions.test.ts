import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import jsonata from 'jsonata';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createExpressionEngine } from './expressions.ts';
import * as sandbox from './expressions/sandbox.ts';

vi.mock('./expressions/sandbox.ts', { spy: true });

// A generous budget: these tests are about results, and a loaded 2-core CI runner can take over 1 s to evaluate a big one.
const engine = createExpressionEngine({ timeoutMs: 10_000 });
afterAll(() => engine.close());

const data = {
  trigger: { body: { id: 7 } },
  steps: { fetch: { status: 200, body: { items: [{ id: 1 }, { id: 2 }] } } },
  input: { body: { email: 'ada@example.com', name: 'Ada', items: [3, 1, 2] }, headers: { 'x-a': '1' } },
  execution: { id: 'ex1' },
  workflow: { id: 'wf1', name: 'Flow' },
  now: '2024-05-01T10:00:00.000Z',
};

/** Resolves to the rejection (for asserting on codes and messages); fails when there is none. */
async function failure(p: Promise<unknown>): Promise<Error & { code: string }> {
  const value = await p.then(
    (v: unknown) => ({ resolved: v }),
    (e: unknown) => ({ rejected: e as Error & { code: string } }),
  );
  if ('rejected' in value) return value.rejected;
  throw new Error(`expected a rejection, got ${JSON.stringify(value.resolved)}`);
}

describe('evaluate', () => {
  it('evaluates paths, functions and constructors against the bound data', async () => {
    expect(await engine.evaluate('input.body.email', data)).toBe('ada@example.com');
    expect(await engine.evaluate('steps.fetch.body.items.id', data)).toEqual([1, 2]);
    expect(await engine.evaluate('$uppercase(input.body.name) & "!"', data)).toBe('ADA!');
    expect(await engine.evaluate('{"who": workflow.name, "n": $count(input.body.items)}', data)).toEqual({ who: 'Flow', n: 3 });
    expect(await engine.evaluate('input.body.nothing', data)).toBeUndefined();
    expect(await engine.evaluate('$sum(input.body.items) > 5', data)).toBe(true);
  });

  it('returns plain copies: no aliasing into the bound data, no JSONata sequence flags', async () => {
    const body = (await engine.evaluate('input.body', data)) as Record<string, unknown>;
    expect(body).toEqual(data.input.body);
    expect(body).not.toBe(data.input.body);
    const ids = (await engine.evaluate('steps.fetch.body.items.id', data)) as unknown[];
    expect(Object.keys(ids)).toEqual(['0', '1']);
    expect(Object.getPrototypeOf(await engine.evaluate('{"a": 1}', data))).toBe(Object.prototype);
  });

  it('never mutates the bound data (transforms work on a copy)', async () => {
    const snapshot = structuredClone(data);
    await engine.evaluate('$ ~> | input.body | {"email": "x"}, ["name"] |', data);
    await engine.evaluate('$merge([input.body, {"email": "y"}])', data);
    expect(data).toEqual(snapshot);
  });

  it('evaluates concurrently without cross-talk', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => engine.evaluate('input.n * 2', { input: { n: i } })),
    );
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i * 2));
  });

  it('keeps stock semantics for the guarded built-ins', async () => {
    expect(await engine.evaluate('$sort([3, 1, 2])', data)).toEqual([1, 2, 3]);
    expect(await engine.evaluate('$sort(["b", "a"])', data)).toEqual(['a', 'b']);
    expect(await engine.evaluate('$sort(steps.fetch.body.items, function($a, $b) { $a.id < $b.id }).id', data)).toEqual([2, 1]);
    expect(await engine.evaluate('$sort([{"k": 2, "v": "a"}, {"k": 1, "v": "b"}, {"k": 2, "v": "c"}], function($a, $b) { $a.k > $b.k }).v', data)).toEqual([
      'b',
      'a',
      'c',
    ]);
    expect(await engine.evaluate('$distinct([1, "1", 2, 1, {"a": 1, "b": 2}, {"b": 2, "a": 1}, [1], [1], null, null])', data)).toEqual([
      1,
      '1',
      2,
      { a: 1, b: 2 },
      [1],
      null,
    ]);
    expect(await engine.evaluate('$replace("a-b-c", "-", "+")', data)).toBe('a+b+c');
    expect(await engine.evaluate('$replace("a-b-c", "-", "+", 1)', data)).toBe('a+b-c');
    expect(await engine.evaluate('$replace("a-b-c", "-", "+", 0)', data)).toBe('a-b-c');
    expect(await engine.evaluate('$pad("7", -3, "0")', data)).toBe('007');
    expect(await engine.evaluate('$lookup(input.headers, "x-a")', data)).toBe('1');
    expect(await engine.evaluate('$eval("1 + 2")', data)).toBe(3);
    expect(await engine.evaluate('$toMillis("1970-01-01T00:00:01.000Z")', data)).toBe(1000);
    const sorted = (await engine.evaluate('$sort([1..50000].($ % 1000))', data)) as number[];
    expect(sorted).toHaveLength(50000);
    expect(sorted[49999]).toBe(999);
  });
});

describe('guarded built-ins match stock JSONata', () => {
  const cases = [
    '$spread({"a": 1, "b": 2})',
    '$spread([{"a": 1}, {"b": 2, "c": 3}])',
    '$spread([{"a": 1}])',
    '$spread([])',
    '$spread("x")',
    '$spread([1, {"a": 1}, [2, {"b": 2}]])',
    '$distinct([3, 1, 3, "3", true, true, null, [1, 2], [1, 2], {"x": [1]}, {"x": [1]}])',
    '$distinct(input.body.items)',
    '$distinct(7)',
    '$sort([5, 3, 9, 1])',
    '$sort(["pear", "apple", "fig"])',
    '$sort([{"n": 2}, {"n": 1}, {"n": 2, "t": 1}], function($l, $r) { $l.n > $r.n })',
    '$replace("banana", "an", "AN")',
    '$replace("banana", "an", "AN", 1)',
    '$replace("banana", "x", "y")',
    '$pad("ab", 6, "xy")',
    '$formatNumber(1234.5, "#,##0.00")',
    '$formatInteger(42, "w")',
    '$fromMillis(0, "[Y0001]-[M01]-[D01]")',
    '$lookup([{"a": 1}, {"a": 2}], "a")',
    // These run in the worker.
    'input.body.*',
    'input.body.items#$i[$i > 0]',
    'steps.fetch.body.items@$it.$it.id',
    '$match(input.body.email, /(\\w+)@/).groups',
    '$eval("input.body.name & \\"!\\"")',
    '$toMillis("01/05/2024", "[D01]/[M01]/[Y0001]")',
  ];
  it.each(cases)('%s', async (expr) => {
    const stock = await jsonata(expr).evaluate(data);
    expect(await engine.evaluate(expr, data)).toEqual(stock === undefined ? undefined : JSON.parse(JSON.stringify(stock)));
  });
});

describe('check', () => {
  it('returns null for valid expressions and the syntax error otherwise', () => {
    expect(engine.check('input.body.email')).toBeNull();
    expect(engine.check('$match(x, /a+/)')).toBeNull();
    expect(engine.check('input.(')).toMatch(/Syntax error: .+ \(position \d+\)/);
    expect(engine.check('$.constructor')).toMatch(/not allowed/);
  });
});

describe('compilation cache', () => {
  it('compiles an expression once, then reuses it', async () => {
    const compile = vi.mocked(sandbox.compile);
    const expr = 'input.body.items[0] + 41';
    compile.mockClear();
    for (let i = 0; i < 50; i++) expect(await engine.evaluate(expr, data)).toBe(44);
    expect(compile).toHaveBeenCalledTimes(1);
  });

  it('evicts the least recently used entry past cacheSize', async () => {
    const small = createExpressionEngine({ cacheSize: 2 });
    const compile = vi.mocked(sandbox.compile);
    compile.mockClear();
    await small.evaluate('1', null);
    await small.evaluate('2', null);
    await small.evaluate('1', null); // hit: "2" is now the oldest
    await small.evaluate('3', null); // evicts "2"
    await small.evaluate('1', null); // still cached
    expect(compile).toHaveBeenCalledTimes(3);
    await small.evaluate('2', null);
    expect(compile).toHaveBeenCalledTimes(4);
    await small.close();
  });
});

describe('errors', () => {
  it('EXPRESSION_SYNTAX with the position', async () => {
    const err = await failure(engine.evaluate('input.body.(', data));
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('EXPRESSION_SYNTAX');
    expect(err.message).toMatch(/position/);
  });

  it('EXPRESSION_FAILED carries JSONata’s message', async () => {
    const err = await failure(engine.evaluate('$unknownFn(1)', data));
    expect(err.code).toBe('EXPRESSION_FAILED');
    expect(err.message).toMatch(/unknownFn|non-function/i);
    const err2 = await failure(engine.evaluate('$error("custom stop")', data));
    expect(err2.message).toContain('custom stop');
  });

  it('EXPRESSION_FAILED for a function result', async () => {
    expect((await failure(engine.evaluate('$string', data))).code).toBe('EXPRESSION_FAILED');
    expect((await failure(engine.evaluate('function($x){$x}', data))).code).toBe('EXPRESSION_FAILED');
  });

  it('EXPRESSION_TIMEOUT for an endless loop, within the budget', async () => {
    const fast = createExpressionEngine({ timeoutMs: 200 });
    const t0 = Date.now();
    const err = await failure(fast.evaluate('($f := function($n){ $f($n + 1) }; $f(0))', null));
    expect(err.code).toBe('EXPRESSION_TIMEOUT');
    expect(err.message).toMatch(/200 ms/);
    expect(Date.now() - t0).toBeLessThan(500);
    await fast.close();
  });

  it('EXPRESSION_TOO_LARGE for deep recursion, huge ranges and huge values', async () => {
    expect((await failure(engine.evaluate('($f := function($n){ 1 + $f($n + 1) }; $f(0))', null))).code).toBe('EXPRESSION_TOO_LARGE');
    expect((await failure(engine.evaluate('[1..10000000]', null))).code).toBe('EXPRESSION_TOO_LARGE');
    expect((await failure(engine.evaluate('$pad("", 100000000)', null))).code).toBe('EXPRESSION_TOO_LARGE');
    expect((await failure(engine.evaluate('$formatNumber(1, $pad("", 1000, "#"))', null))).code).toBe('EXPRESSION_TOO_LARGE');
    // 1 MB shared 1000 times: would be a 1 GB string; refused before it is built.
    const t0 = Date.now();
    const amplified = await failure(engine.evaluate('($s := $pad("", 1000000); $string([1..1000].($s)))', null));
    expect(amplified.code).toBe('EXPRESSION_TOO_LARGE');
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('maxOutputBytes caps the result', async () => {
    const small = createExpressionEngine({ maxOutputBytes: 1000 });
    expect((await failure(small.evaluate('$join([1..500].$string(), ",")', null))).code).toBe('EXPRESSION_TOO_LARGE');
    expect((await failure(small.evaluate('input', { input: { big: 'x'.repeat(5000) } }))).code).toBe('EXPRESSION_TOO_LARGE');
    // Walking large bound data to pick a small field is fine.
    expect(await small.evaluate('input.n', { input: { big: 'x'.repeat(5000), n: 1 } })).toBe(1);
    await small.close();
  });

  it('EXPRESSION_FORBIDDEN for prototype names, statically and at run time', async () => {
    for (const expr of ['$.constructor', 'input.__proto__', 'input.`prototype`', '$lookup(input, "__pro" & "to__")', '$eval("$.constructor")', '($clone := function($x){$x}; $ ~> |input|{"a":1}|)']) {
      const err = await failure(engine.evaluate(expr, data));
      expect(err.code, expr).toBe('EXPRESSION_FORBIDDEN');
    }
  });
});

describe('sandbox', () => {
  it('cannot reach functions’ internals or constructors', async () => {
    for (const expr of ['$string.implementation', '$keys($string)', '$lookup($string, "implementation")', '$spread($sum)', '$type($string.apply)']) {
      const out = await engine.evaluate(expr, data).catch((e: Error) => e);
      expect(String(out instanceof Error ? out.message : JSON.stringify(out)), expr).not.toMatch(/native code|=>|return /);
    }
  });

  it('drops __proto__ keys from results and cannot pollute prototypes', async () => {
    const hostile = { input: JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as unknown };
    const out = (await engine.evaluate('input', hostile)) as Record<string, unknown>;
    expect(out).toEqual({ ok: 1 });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    await engine.evaluate('$merge([input, {"a": 1}])', hostile);
    await engine.evaluate('{"x": 1} ~> |$|input|', hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('calling data as a function fails without labelling the data', async () => {
    const bound = { input: { body: { a: 1 }, list: [1] } };
    for (const expr of ['input.body()', 'input.list()', 'input.body(?)', '(function() { input.body() })()', '1 ~> input.body']) {
      expect((await failure(engine.evaluate(expr, bound))).code, expr).toBe('EXPRESSION_FAILED');
    }
    expect(bound).toEqual({ input: { body: { a: 1 }, list: [1] } });
    // Functions held in objects are still callable.
    expect(await engine.evaluate('($o := {"f": function($x) { $x + 1 }}; $o.f(1))', bound)).toBe(2);
  });

  it('treats forged function markers in data as data', async () => {
    const forged = { input: { _jsonata_lambda: true, body: 'x'.repeat(10) } };
    expect(await engine.evaluate('input', forged)).toEqual(forged.input);
    expect((await failure(engine.evaluate('input()', forged))).code).toBe('EXPRESSION_FAILED');
  });
});

describe('regex worker', () => {
  it('evaluates regex expressions in the worker with the same sandbox', async () => {
    expect(await engine.evaluate('$match(input.body.email, /@(.+)$/).groups[0]', data)).toBe('example.com');
    expect(await engine.evaluate('$replace(input.body.name, /a/i, "4")', data)).toBe('4d4');
    expect(await engine.evaluate('$contains(input.body.email, /EXAMPLE/i)', data)).toBe(true);
    expect((await failure(engine.evaluate('$match(input.constructor, /x/)', data))).code).toBe('EXPRESSION_FORBIDDEN');
    expect((await failure(engine.evaluate('$lookup($, "constructor") ~> $match(/x/)', data))).code).toBe('EXPRESSION_FORBIDDEN');
    expect((await failure(engine.evaluate('$replace("a", /a/, "b") ~> $pad(100000000)', data))).code).toBe('EXPRESSION_TOO_LARGE');
  });

  it('runs regexes reached through $eval and date pictures in the worker too', async () => {
    expect(await engine.evaluate('$eval("$match(\'abc\', /b/).match")', data)).toBe('b');
    expect(await engine.evaluate('$toMillis("2024-05-01", "[Y0001]-[M01]-[D01]")', data)).toBe(Date.UTC(2024, 4, 1));
    expect(await engine.evaluate('$parseInteger("12,345", "#,##0")', data)).toBe(12345);
  });

  it('kills a catastrophic regex within the budget while the event loop keeps ticking', async () => {
    // The regex never finishes, so any budget proves the kill; 1.5 s leaves room for a machine busy
    // with other test files (a loaded 2-core runner missed 300 ms on the warm-up alone).
    const fast = createExpressionEngine({ timeoutMs: 1500 });
    await fast.evaluate('$match("a", /a/)', null); // warm the worker
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const t0 = Date.now();
    const err = await failure(fast.evaluate('$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)', null));
    const elapsed = Date.now() - t0;
    clearInterval(timer);
    expect(err.code).toBe('EXPRESSION_TIMEOUT');
    // Cut off at the budget, not when the regex would end (never): well under 4× the budget.
    expect(elapsed).toBeLessThan(6000);
    expect(ticks).toBeGreaterThan(10);
    // The killed worker was replaced.
    expect(await fast.evaluate('$match("xay", /a/).index', null)).toBe(1);
    await fast.close();
  });

  it('fails cleanly once closed', async () => {
    const e = createExpressionEngine();
    await e.close();
    expect((await failure(e.evaluate('$match("a", /a/)', null))).code).toBe('EXPRESSION_FAILED');
  });
});

describe('outside vitest', () => {
  it('the worker also boots under `node --import tsx` (how the server runs)', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = `
      import { createExpressionEngine } from './server/engine/expressions.ts';
      const e = createExpressionEngine({ timeoutMs: 3000 });
      const a = await e.evaluate('$match(x, /b+/).match', { x: 'abbc' });
      const b = await e.evaluate('$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)', null).catch((err) => err.code);
      console.log(JSON.stringify([a, b]));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 20_000 });
    expect(JSON.parse(stdout.trim())).toEqual(['bb', 'EXPRESSION_TIMEOUT']);
  });
});

describe('speed', () => {
  it('a simple path costs microseconds once compiled', async () => {
    const n = 20_000;
    for (let i = 0; i < 2000; i++) await engine.evaluate('input.body.email', data);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await engine.evaluate('input.body.email', data);
    const us = ((performance.now() - t0) * 1000) / n;
    console.log(`simple path: ${us.toFixed(2)} µs per evaluation`);
    expect(us).toBeLessThan(100); // generous: shared CI machines; locally about 3 µs
  });
});
