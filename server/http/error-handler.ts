/** The single error boundary: AppError/ZodError → SPEC's envelope and status; anything else → INTERNAL, logged, never shown raw. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError, type ErrorCode } from '#shared/errors.ts';
import { fromZodIssues } from '#shared/issues.ts';
import { StoreUnavailableError } from '../db/store.ts';
import type { Logger } from '../lib/logger.ts';

export const httpStatus = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  UNKNOWN_NODE_TYPE: 400,
  CONFIG_INVALID: 400,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const satisfies Record<ErrorCode, number>;

/** body-parser's own errors carry a `type`; map them to our codes rather than a 500. */
function fromBodyParser(err: { type?: string; status?: number }): AppError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large');
    case 'entity.parse.failed':
      return new AppError('VALIDATION_FAILED', 'the request body is not valid JSON', { details: [{ path: '', message: 'malformed JSON' }] });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('VALIDATION_FAILED', 'the request body could not be read');
    default:
      return err.status && err.status >= 400 && err.status < 500 ? new AppError('VALIDATION_FAILED', 'bad request') : undefined;
  }
}

/**
 * PostgreSQL text cannot hold U+0000 (SQLite's can): a NUL in a path parameter, a query value or a
 * field is refused by the database with SQLSTATE 22021 (22P05 when it comes through JSON). That
 * is the client's input, not a server fault: a 400, never a 500.
 */
function fromNulInText(err: unknown): AppError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== '22021' && code !== '22P05') return undefined;
  return new AppError('VALIDATION_FAILED', 'text must not contain NUL (\\u0000) characters');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: AppError;
    if (err instanceof AppError) e = err;
    else if (err instanceof StoreUnavailableError) e = unavailable();
    else if (err instanceof ZodError) e = new AppError('VALIDATION_FAILED', 'the request is invalid', { details: fromZodIssues(err.issues) });
    else e = fromBodyParser(err as { type?: string }) ?? fromNulInText(err) ?? new AppError('INTERNAL', 'internal error');
    const status = httpStatus[e.code];
    if (status >= 500) logger.error('request failed', { err: String(err), stack: (err as Error)?.stack, path: req.path, method: req.method });
    else logger.info('request refused', { code: e.code, path: req.path, method: req.method });
    if (res.headersSent) return void res.end();
    for (const [k, v] of Object.entries(e.headers ?? {})) res.setHeader(k, v);
    res.status(status).json({ error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } });
  };
}

/** Seconds a client is told to wait while the database is away. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

export function unavailable(): AppError {
  return new AppError('UNAVAILABLE', 'the database is unavailable; nothing was accepted — retry shortly', { headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) } });
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `no route ${req.method} ${req.path}`));
};
