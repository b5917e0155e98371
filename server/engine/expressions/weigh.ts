/**
 * Size accounting for expression values (roughly their JSON length) and the final copy-out that
 * hands callers plain, unshared JSON data.
 */
import { expressionFailure } from './failure.ts';

// Weights are cached by identity: bound data and JSONata's intermediate objects are never mutated
// after they are built, so each object is walked once however many expressions touch it.
const weights = new WeakMap<object, number>();

/**
 * True for JSONata lambdas and built-ins. They are plain objects carrying a marker, which JSON
 * data can forge; a real one always holds a live JS function (its implementation or its scope).
 */
export function isJsonataFunction(v: unknown): boolean {
  if (typeof v === 'function') return true;
  if (v === null || typeof v !== 'object') return false;
  const o = v as { _jsonata_lambda?: unknown; _jsonata_function?: unknown; implementation?: unknown; environment?: { lookup?: unknown } };
  if (o._jsonata_function === true) return typeof o.implementation === 'function';
  return o._jsonata_lambda === true && typeof o.environment?.lookup === 'function';
}

/** Approximate serialised size in bytes. Functions weigh nothing (they never serialise). */
export function weigh(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
      return 8;
    case 'boolean':
      return 5;
    case 'object':
      return value === null ? 4 : weighObject(value);
    default:
      return 0;
  }
}

/**
 * Records a size already known for `o` (e.g. the length of the JSON it was stored as), so the
 * first expression over a fresh trigger event does not walk every header and body field to learn it.
 */
export function rememberWeight(o: object, bytes: number): void {
  if (!weights.has(o)) weights.set(o, bytes);
}

function weighObject(o: object): number {
  const cached = weights.get(o);
  if (cached !== undefined) return cached;
  if (isJsonataFunction(o)) return 0;
  // A placeholder first, so a cyclic value ends the walk instead of looping.
  weights.set(o, 0);
  let w = 2;
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) w += weigh(o[i]) + 1;
  } else {
    const rec = o as Record<string, unknown>;
    for (const k in rec) if (Object.prototype.hasOwnProperty.call(rec, k)) w += k.length + 4 + weigh(rec[k]);
  }
  weights.set(o, w);
  return w;
}

function tooLarge(limit: number) {
  return expressionFailure('EXPRESSION_TOO_LARGE', `Expression result is larger than ${limit} bytes`);
}

/**
 * Copies a result into plain JSON data: no shared references into the bound data, no JSONata
 * sequence flags, no `__proto__` keys (they would set a prototype in the caller's next
 * `Object.assign`), functions dropped as JSON does. Throws when it weighs more than `limit`.
 */
export function toPlain(value: unknown, limit: number): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' && value.length + 2 > limit) throw tooLarge(limit);
    if (typeof value === 'function') throw functionResult();
    return value;
  }
  if (isJsonataFunction(value)) throw functionResult();
  if (weigh(value) > limit) throw tooLarge(limit);
  return copy(value);
}

function functionResult() {
  return expressionFailure('EXPRESSION_FAILED', 'Expression evaluated to a function, not a value (call it with parentheses)');
}

function copy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (isJsonataFunction(value)) return undefined;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const v = copy(value[i]);
      out[i] = v === undefined ? null : v;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  const rec = value as Record<string, unknown>;
  for (const k in rec) {
    if (!Object.prototype.hasOwnProperty.call(rec, k) || k === '__proto__') continue;
    const v = copy(rec[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}
