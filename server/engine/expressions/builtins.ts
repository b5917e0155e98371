/**
 * Guarded replacements for the JSONata built-ins that could escape the sandbox or stall the main
 * thread in one native call (where the per-node clock check cannot interrupt them). Work that
 * could stall anyway ($eval, date/integer pictures) is handed to the isolated worker instead.
 */
import jsonata from 'jsonata';
import { analyze, FORBIDDEN_KEYS, forbiddenMessage } from './analyze.ts';
import { expressionFailure } from './failure.ts';
import { MAX_SEQUENCE, type Limits } from './limits.ts';
import { isJsonataFunction } from './weigh.ts';

/** Per-evaluation state, bound under a name no expression can spell (it contains a space). */
export type EvalState = { limits: Limits; budget: number; deadline: number; needsWorker: boolean };
export const STATE_KEY = 'switchyard state';

type Focus = { environment: { base: { lookup(name: string): unknown } }; createSequence(): unknown[] };
type NativeFn = { implementation: (this: Focus, ...args: unknown[]) => unknown };
const DELEGATED = ['lookup', 'pad', 'replace', 'toMillis', 'fromMillis', 'formatNumber', 'formatInteger'] as const;
type Originals = Record<(typeof DELEGATED)[number], NativeFn>;

let originals: Originals | undefined;
let loading: Promise<void> | undefined;

/**
 * Fetches the stock implementations we delegate to once a guard has passed (JSONata only hands
 * them out through an asynchronous evaluation). Returns undefined once they are loaded, so the
 * hot path does not pay for an extra await.
 */
export function loadOriginals(): Promise<void> | undefined {
  if (originals) return undefined;
  loading ??= (async () => {
    const fns = (await jsonata(`[${DELEGATED.map((n) => `$${n}`).join(', ')}]`).evaluate(null)) as NativeFn[];
    originals = Object.fromEntries(DELEGATED.map((n, i) => [n, fns[i]!])) as Originals;
  })();
  return loading;
}

function orig(name: keyof Originals): NativeFn {
  if (!originals) throw expressionFailure('EXPRESSION_FAILED', 'expression built-ins not loaded');
  return originals[name];
}

function stateOf(focus: Focus): EvalState {
  return focus.environment.base.lookup(STATE_KEY) as EvalState;
}

/** Marks the evaluation for a re-run in the worker and unwinds it. */
function needsWorker(focus: Focus): never {
  stateOf(focus).needsWorker = true;
  throw expressionFailure('EXPRESSION_FAILED', 'this expression must run in the isolated worker');
}

/** For our own long loops: the per-node clock check cannot run inside them. */
function checkDeadline(state: EvalState): void {
  if (Date.now() > state.deadline) jsonataError('D1012', { value: state.limits.timeoutMs });
}

function tooLarge(state: EvalState): never {
  throw expressionFailure('EXPRESSION_TOO_LARGE', `Expression built a value larger than ${state.limits.maxOutputBytes} bytes`);
}

function jsonataError(code: string, extra: Record<string, unknown> = {}): never {
  // JSONata's own error shape: its message catalogue fills in `message` from `code`.
  throw { code, stack: new Error().stack, ...extra };
}

function lookup(this: Focus, input: unknown, key: string): unknown {
  // Own-property lookups cannot reach a prototype anyway; refusing the names says so clearly.
  if (FORBIDDEN_KEYS.has(key)) throw expressionFailure('EXPRESSION_FORBIDDEN', forbiddenMessage(key));
  return orig('lookup').implementation.call(this, input, key);
}

/**
 * `$eval` parses code at run time: the static checks run again on it, then it goes to the worker.
 * Code parsed here escapes the compile-time checks on callees (see sandbox.ts), and the worker
 * holds a private copy of the data, so nothing it does can touch the shared bound data.
 */
function evalGuarded(this: Focus, source: unknown): never {
  if (typeof source === 'string') {
    let ast: unknown;
    try {
      ast = jsonata(source).ast();
    } catch {
      ast = undefined; // the worker's $eval reports the syntax error in its own words
    }
    if (ast !== undefined) {
      const { forbidden } = analyze(ast);
      if (forbidden !== null) throw expressionFailure('EXPRESSION_FORBIDDEN', forbidden);
    }
  }
  needsWorker(this);
}

function pad(this: Focus, str: unknown, width: number, char?: string): unknown {
  const state = stateOf(this);
  const unit = typeof char === 'string' && char.length > 0 ? char.length : 1;
  if (Number.isFinite(width) && Math.abs(width) * unit > state.budget) tooLarge(state);
  return orig('pad').implementation.call(this, str, width, char);
}

/**
 * A string pattern with a string replacement is done natively in linear time, after checking the
 * result size; the stock loop concatenates once per match and can build a huge rope first.
 */
function replace(this: Focus, str: unknown, pattern: unknown, replacement: unknown, limit?: number): unknown {
  // The stock code would append the function object itself once per match.
  if (typeof pattern === 'string' && replacement !== undefined && typeof replacement !== 'string') jsonataError('D3012', { value: '(function)' });
  if (typeof str === 'string' && typeof pattern === 'string' && pattern !== '' && typeof replacement === 'string' && !(typeof limit === 'number' && limit < 0)) {
    const state = stateOf(this);
    const parts = str.split(pattern);
    const max = typeof limit === 'number' ? Math.min(Math.floor(limit), parts.length - 1) : parts.length - 1;
    if (str.length + max * (replacement.length - pattern.length) > state.budget) tooLarge(state);
    if (max === parts.length - 1) return parts.join(replacement);
    return parts.slice(0, max + 1).join(replacement) + pattern + parts.slice(max + 1).join(pattern);
  }
  return orig('replace').implementation.call(this, str, pattern, replacement, limit);
}

/** Real pictures are a few dozen characters; the picture parsers loop quadratically in their length. */
const MAX_PICTURE = 256;

function checkPicture(picture: unknown): void {
  if (typeof picture === 'string' && picture.length > MAX_PICTURE) {
    throw expressionFailure('EXPRESSION_TOO_LARGE', `Picture strings are limited to ${MAX_PICTURE} characters`);
  }
}

// Date and integer pictures are compiled into regular expressions with nested quantifiers, so
// parsing with a picture is handed to the killable worker.
function toMillis(this: Focus, timestamp: unknown, picture?: unknown): unknown {
  checkPicture(picture);
  if (picture !== undefined) needsWorker(this);
  return orig('toMillis').implementation.call(this, timestamp);
}

function parseInteger(this: Focus, _value: unknown, picture: unknown): never {
  checkPicture(picture);
  needsWorker(this);
}

function fromMillis(this: Focus, millis: unknown, picture?: unknown, timezone?: unknown): unknown {
  checkPicture(picture);
  return orig('fromMillis').implementation.call(this, millis, picture, timezone);
}

function formatNumber(this: Focus, value: unknown, picture: unknown, options?: unknown): unknown {
  checkPicture(picture);
  return orig('formatNumber').implementation.call(this, value, picture, options);
}

function formatInteger(this: Focus, value: unknown, picture: unknown): unknown {
  checkPicture(picture);
  return orig('formatInteger').implementation.call(this, value, picture);
}

/**
 * Linear `$spread`. The stock one concatenates its result once per item (quadratic, no checks:
 * 100,000 objects blocked the thread for 49 s). Same results, including a plain array for arrays.
 */
function spread(this: Focus, arg: unknown): unknown {
  if (Array.isArray(arg)) {
    let result: unknown[] = this.createSequence();
    let appended = false;
    const state = stateOf(this);
    for (let i = 0; i < arg.length; i++) {
      if ((i & 0x3fff) === 0) checkDeadline(state);
      const item: unknown = arg[i];
      const part = spread.call(this, item);
      if (part === undefined) continue;
      if (!appended) {
        // The stock append returns a plain array (not a sequence), which changes singleton unwrapping.
        result = [...result];
        appended = true;
      }
      if (Array.isArray(part)) for (const p of part) result.push(p);
      else result.push(part);
      if (result.length > MAX_SEQUENCE) jsonataError('D2015', { value: result.length });
    }
    return result;
  }
  if (arg !== null && typeof arg === 'object' && !isJsonataFunction(arg)) {
    const result = this.createSequence();
    for (const key of Object.keys(arg)) {
      const obj = Object.create(null) as Record<string, unknown>;
      obj[key] = (arg as Record<string, unknown>)[key];
      result.push(obj);
    }
    return result;
  }
  return arg;
}

/** O(n log n) sort. The stock merge sort copies arrays per comparison (quadratic) with no checks. */
async function sort(this: Focus, arr: unknown[] | undefined, comparator?: (a: unknown, b: unknown) => unknown): Promise<unknown> {
  if (arr === undefined) return undefined;
  if (arr.length <= 1) return arr;
  if (comparator === undefined) {
    const numbers = arr.every((v) => typeof v === 'number');
    if (!numbers && !arr.every((v) => typeof v === 'string')) jsonataError('D3070', { index: 1 });
    // Array#sort is stable, like JSONata's merge sort.
    return [...arr].sort((a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0));
  }
  // Bottom-up merge sort; the comparator says "swap" (true) when a belongs after b.
  let src = [...arr];
  let dst = new Array<unknown>(src.length);
  for (let width = 1; width < src.length; width *= 2) {
    for (let lo = 0; lo < src.length; lo += 2 * width) {
      const mid = Math.min(lo + width, src.length);
      const hi = Math.min(lo + 2 * width, src.length);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) dst[k++] = (await comparator(src[i], src[j])) ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/** Linear-time `$distinct`. The stock one compares every pair (quadratic in one native call). */
function distinct(this: Focus, arr: unknown): unknown {
  if (arr === undefined) return undefined;
  if (!Array.isArray(arr) || arr.length <= 1) return arr;
  // Separate sets keep 1 and "1" apart without building a key string per element.
  const strings = new Set<string>();
  const others = new Set<unknown>();
  const objects = new Set<string>();
  const out: unknown[] = [];
  const state = stateOf(this);
  for (let i = 0; i < arr.length; i++) {
    if ((i & 0x3fff) === 0) checkDeadline(state);
    const value: unknown = arr[i];
    if (typeof value === 'string') {
      if (strings.has(value)) continue;
      strings.add(value);
    } else if (value !== null && typeof value === 'object' && !isJsonataFunction(value)) {
      const key = canonical(value);
      if (objects.has(key)) continue;
      objects.add(key);
    } else {
      if (others.has(value)) continue;
      others.add(value);
    }
    out.push(value);
  }
  if ((arr as { sequence?: boolean }).sequence !== true) return out;
  // Keep it a sequence (singleton unwrapping depends on it). Array#push directly: the sequence's
  // own checked push costs a rest-args allocation per item, and the output cannot outgrow the input.
  const results = this.createSequence();
  for (let i = 0; i < out.length; i += 10_000) Array.prototype.push.apply(results, out.slice(i, i + 10_000));
  return results;
}

const functionIds = new WeakMap<object, number>();
let nextFunctionId = 0;

/** JSON with sorted keys: equal under JSONata's deep equality iff equal strings (functions by identity). */
function canonical(value: unknown): string {
  if (isJsonataFunction(value)) {
    const fn = value as object;
    let id = functionIds.get(fn);
    if (id === undefined) functionIds.set(fn, (id = nextFunctionId++));
    return `\u0000fn${id}`;
  }
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const rec = value as Record<string, unknown>;
  return `{${Object.keys(rec)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(rec[k])}`)
    .join(',')}}`;
}

/** Installs the guarded built-ins on one compiled expression (once, at compile time). */
export function overrideBuiltins(expr: jsonata.Expression): void {
  const register = expr.registerFunction.bind(expr) as (name: string, fn: unknown, signature: string) => void;
  // Signatures are the stock ones, so argument checking and context binding behave the same.
  register('lookup', lookup, '<x-s:x>');
  register('eval', evalGuarded, '<sx?:x>');
  register('pad', pad, '<s-ns?:s>');
  register('replace', replace, '<s-(sf)(sf)n?:s>');
  register('toMillis', toMillis, '<s-s?:n>');
  register('parseInteger', parseInteger, '<s-s:n>');
  register('fromMillis', fromMillis, '<n-s?s?:s>');
  register('formatNumber', formatNumber, '<n-so?:s>');
  register('formatInteger', formatInteger, '<n-s:s>');
  register('sort', sort, '<af?:a>');
  register('distinct', distinct, '<x:x>');
  register('spread', spread, '<x-:a<o>>');
}
