/**
 * Sandboxed JSONata for `{{ … }}` templates and nodes' `ctx.evaluate`: compiled once (LRU), run on
 * the main thread under time/depth/size guards, or in a killable worker when it could stall natively.
 */
import { expressionFailure, isExpressionFailure, type ExpressionFailure } from './expressions/failure.ts';
import { DEFAULT_LIMITS, type Limits } from './expressions/limits.ts';
import { LruCache } from './expressions/lru.ts';
import { compile, run, type Compiled } from './expressions/sandbox.ts';
import { rememberWeight, toPlain } from './expressions/weigh.ts';
import { WorkerPool } from './expressions/worker-pool.ts';

export type { ExpressionFailure, ExpressionFailureCode } from './expressions/failure.ts';

export type ExpressionEngine = {
  /** Rejects with an Error whose `code` is one of the EXPRESSION_* codes. */
  evaluate(expression: string, data: unknown): Promise<unknown>;
  /** The syntax (or forbidden-construct) error message, or null when the expression is fine. */
  check(expression: string): string | null;
  /** Records a value's known serialised size (e.g. its stored JSON length) for the size budget. */
  knownSize(value: unknown, bytes: number): void;
};

export type ExpressionEngineOptions = {
  timeoutMs?: number;
  maxDepth?: number;
  maxOutputBytes?: number;
  cacheSize?: number;
  /** Worker threads for expressions that could stall natively (regexes, `*`, tuple streams, $eval). Default 2. */
  workers?: number;
};

type CacheEntry = { ok: true; compiled: Compiled } | { ok: false; error: ExpressionFailure };

export function createExpressionEngine(options: ExpressionEngineOptions = {}): ExpressionEngine & { close(): Promise<void> } {
  const limits: Limits = {
    timeoutMs: options.timeoutMs ?? DEFAULT_LIMITS.timeoutMs,
    maxDepth: options.maxDepth ?? DEFAULT_LIMITS.maxDepth,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes,
  };
  // Failed compilations are cached too: a broken template on a hot webhook should not re-parse.
  const cache = new LruCache<string, CacheEntry>(options.cacheSize ?? 1000);
  const pool = new WorkerPool({ size: options.workers ?? 2 });

  function entry(expression: string): CacheEntry {
    let e = cache.get(expression);
    if (!e) {
      try {
        e = { ok: true, compiled: compile(expression, limits) };
      } catch (err) {
        e = { ok: false, error: isExpressionFailure(err) ? err : expressionFailure('EXPRESSION_SYNTAX', String(err)) };
      }
      cache.set(expression, e);
    }
    return e;
  }

  async function evaluate(expression: string, data: unknown): Promise<unknown> {
    if (typeof expression !== 'string') throw expressionFailure('EXPRESSION_FAILED', 'Expression must be a string');
    const e = entry(expression);
    // A fresh Error per call: the cached one would carry a stale stack and could be mutated by callers.
    if (!e.ok) throw expressionFailure(e.error.code, e.error.message, positionOf(e.error));
    if (e.compiled.isolate) return isolated(expression, data, limits);
    const started = Date.now();
    const result = await run(e.compiled, data, limits);
    if (result.kind === 'value') return result.value;
    // A built-in met work that could stall natively ($eval, a date picture): finish in the
    // worker with whatever is left of the time budget (evaluation has no side effects).
    // It will want the worker again next time; skip the wasted main-thread start from now on.
    e.compiled.isolate = true;
    const left = Math.max(1, limits.timeoutMs - (Date.now() - started));
    return isolated(expression, data, { ...limits, timeoutMs: left });
  }

  /** The worker's result is a structured clone; copying it again enforces the size cap and drops `__proto__` keys. */
  async function isolated(expression: string, data: unknown, budget: Limits): Promise<unknown> {
    return toPlain(await pool.run(expression, data, budget), limits.maxOutputBytes);
  }

  function check(expression: string): string | null {
    const e = entry(expression);
    return e.ok ? null : e.error.message;
  }

  /** Tells the size accounting a value's serialised size when the caller already knows it. */
  const knownSize = (value: unknown, bytes: number) => {
    if (value !== null && typeof value === 'object') rememberWeight(value, bytes);
  };

  return { evaluate, check, knownSize, close: () => pool.close() };
}

function positionOf(err: ExpressionFailure): { position?: number } {
  return err.position === undefined ? {} : { position: err.position };
}
