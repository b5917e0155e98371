// The isolated evaluator for expressions that could stall in native code (regexes, `*`, tuple
// streams, $eval, date pictures). Plain JavaScript so it boots in ~100 ms with no TypeScript
// loader: a worker that misses its deadline is killed and replaced (see worker-pool.ts).
import { parentPort } from 'node:worker_threads';
import jsonata from 'jsonata';

// Safety here comes from isolation rather than guards: its own V8 isolate and realm, a private
// structured-clone copy of the data, a heap cap and a hard deadline. The expression was parsed
// and checked (forbidden names) on the main thread, which also copies and size-checks the result.
// Stock JSONata guardrails still give clean errors for ordinary runaways.
const compiled = new Map();
const MAX_CACHED = 200;

// Same rule as the main thread (analyze.ts): computed lookups of these names are refused, so a
// `$lookup($, "constr" & "uctor")` fails the same way wherever the expression runs.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const stockLookup = await jsonata('$lookup').evaluate(null);
function lookup(input, key) {
  if (FORBIDDEN_KEYS.has(key)) throw { code: 'EXPRESSION_FORBIDDEN', message: `Access to "${key}" is not allowed in expressions` };
  return stockLookup.implementation.call(this, input, key);
}

function compile(source, options) {
  let entry = compiled.get(source);
  if (!entry) {
    entry = { options: { ...options }, expr: null };
    entry.expr = jsonata(source, entry.options);
    entry.expr.registerFunction('lookup', lookup, '<x-s:x>');
    compiled.set(source, entry);
    if (compiled.size > MAX_CACHED) compiled.delete(compiled.keys().next().value);
  }
  // One job at a time, so the shared options object can carry this job's budget.
  Object.assign(entry.options, options);
  return entry.expr;
}

/** A real JSONata function holds a live JS function (and its whole scope); data can only forge the markers. */
function isFunction(v) {
  if (typeof v === 'function') return true;
  return v !== null && typeof v === 'object' && (typeof v.implementation === 'function' || typeof v.environment?.lookup === 'function');
}

/** Rough JSON size with early exit, so an oversized result is refused before it is cloned back. */
function exceeds(value, limit) {
  let size = 0;
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') size += v.length + 2;
    else if (v !== null && typeof v === 'object') {
      if (isFunction(v)) continue;
      size += 2;
      for (const k of Object.keys(v)) {
        size += k.length + 4;
        stack.push(v[k]);
      }
    } else size += 8;
    if (size > limit) return true;
  }
  return false;
}

function describe(err) {
  if (err === null || typeof err !== 'object') return { message: String(err) };
  return {
    code: typeof err.code === 'string' ? err.code : undefined,
    message: typeof err.message === 'string' ? err.message : String(err),
    position: typeof err.position === 'number' ? err.position : undefined,
    range: err instanceof RangeError,
    inner: err.error && typeof err.error === 'object' ? describe(err.error) : undefined,
  };
}

parentPort.on('message', async (job) => {
  const { id, source, data, limits, maxSequence } = job;
  try {
    const expr = compile(source, { timeout: limits.timeoutMs, stack: limits.maxDepth, sequence: maxSequence });
    const value = await expr.evaluate(data);
    if (isFunction(value)) {
      parentPort.postMessage({ kind: 'error', id, error: { code: 'EXPRESSION_FAILED', message: 'Expression evaluated to a function, not a value (call it with parentheses)' } });
      return;
    }
    if (exceeds(value, limits.maxOutputBytes)) {
      parentPort.postMessage({ kind: 'error', id, error: { code: 'EXPRESSION_TOO_LARGE', message: `Expression result is larger than ${limits.maxOutputBytes} bytes` } });
      return;
    }
    // Through JSON: JSONata's sequences carry a function-valued `push` that would not clone, and
    // nested functions are dropped the way the main thread drops them.
    const plain = value !== null && typeof value === 'object' ? JSON.parse(JSON.stringify(value, (_k, v) => (isFunction(v) ? undefined : v))) : value;
    parentPort.postMessage({ kind: 'value', id, value: plain });
  } catch (err) {
    parentPort.postMessage({ kind: 'error', id, error: describe(err) });
  }
});

parentPort.postMessage({ kind: 'ready' });
