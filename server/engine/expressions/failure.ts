/**
 * Expression failures: plain Errors with a stable `code`. The template layer wraps them into
 * ExpressionError with the config path; here we only say what failed and, when known, where.
 */
import type { Limits } from './limits.ts';

export type ExpressionFailureCode =
  | 'EXPRESSION_SYNTAX'
  | 'EXPRESSION_TIMEOUT'
  | 'EXPRESSION_FORBIDDEN'
  | 'EXPRESSION_FAILED'
  | 'EXPRESSION_TOO_LARGE';

export type ExpressionFailure = Error & { code: ExpressionFailureCode; position?: number };

const CODES = new Set<string>(['EXPRESSION_SYNTAX', 'EXPRESSION_TIMEOUT', 'EXPRESSION_FORBIDDEN', 'EXPRESSION_FAILED', 'EXPRESSION_TOO_LARGE']);

// Messages can quote user data (JSONata inlines offending values); keep logs and step rows small.
const MAX_MESSAGE = 500;

export function expressionFailure(code: ExpressionFailureCode, message: string, options: { position?: number; cause?: unknown } = {}): ExpressionFailure {
  const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
  const err = new Error(text, options.cause === undefined ? undefined : { cause: options.cause }) as ExpressionFailure;
  err.name = 'ExpressionFailure';
  err.code = code;
  if (options.position !== undefined) err.position = options.position;
  return err;
}

export function isExpressionFailure(err: unknown): err is ExpressionFailure {
  return err instanceof Error && CODES.has((err as { code?: unknown }).code as string);
}

type JsonataErrorLike = { code?: unknown; message?: unknown; position?: unknown; error?: unknown };

/** Maps anything thrown while compiling or evaluating (JSONata's plain error objects included). */
export function toExpressionFailure(err: unknown, limits: Limits): ExpressionFailure {
  if (isExpressionFailure(err)) return err;
  if (err instanceof RangeError) {
    // V8's own limits (string/array length, call stack): all mean "this got too big".
    const what = /call stack/i.test(err.message) ? 'Expression nested too deeply' : 'Expression built too large a value';
    return expressionFailure('EXPRESSION_TOO_LARGE', `${what} (${err.message})`, { cause: err });
  }
  if (err === null || typeof err !== 'object') return expressionFailure('EXPRESSION_FAILED', `Expression failed: ${String(err)}`);
  const e = err as JsonataErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  // $eval wraps the inner error; report the inner one so a timeout inside $eval is still a timeout.
  if ((code === 'D3120' || code === 'D3121') && e.error && typeof e.error === 'object') {
    const inner = toExpressionFailure(e.error, limits);
    if (inner.code !== 'EXPRESSION_FAILED') return inner;
  }
  const position = typeof e.position === 'number' ? e.position : undefined;
  const at = position === undefined ? '' : ` (position ${position})`;
  const message = typeof e.message === 'string' && e.message ? e.message : 'unknown error';
  const opts = { position, cause: err };
  if (code.startsWith('S0')) return expressionFailure('EXPRESSION_SYNTAX', `Syntax error: ${message}${at}`, opts);
  switch (code) {
    case 'D1012':
      return expressionFailure('EXPRESSION_TIMEOUT', `Expression timed out after ${limits.timeoutMs} ms (endless loop, or too much work)`, opts);
    case 'D1011':
      return expressionFailure('EXPRESSION_TOO_LARGE', `Expression nested deeper than ${limits.maxDepth} levels (endless recursion?)${at}`, opts);
    case 'D2014':
    case 'D2015':
      return expressionFailure('EXPRESSION_TOO_LARGE', `Expression built too large a sequence: ${message}${at}`, opts);
    default:
      return expressionFailure('EXPRESSION_FAILED', `${message}${at}`, opts);
  }
}
