/** Error codes and error classes shared by server, engine, nodes and editor. */
import { z } from 'zod';

export const ErrorCode = z.enum([
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'UNKNOWN_NODE_TYPE',
  'CONFIG_INVALID',
  /** The database cannot be reached right now: retry after `Retry-After` seconds. Nothing was accepted. */
  'UNAVAILABLE',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** An expected failure with a stable code. `details` is safe to show to the user. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Extra response headers (e.g. Retry-After, Allow). */
  readonly headers: Record<string, string> | undefined;
  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown; headers?: Record<string, string> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** Thrown by nodes: the engine retries (per the node's retry policy), honouring retryAfterMs. */
export class RetryableError extends Error {
  readonly retryAfterMs: number | undefined;
  readonly code: string;
  readonly details: unknown;
  constructor(message: string, options: { retryAfterMs?: number; code?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RetryableError';
    this.retryAfterMs = options.retryAfterMs;
    this.code = options.code ?? 'NODE_RETRYABLE';
    this.details = options.details;
  }
}

/** Thrown by nodes: fail this step now, never retry (4xx, bad config, auth). */
export class NodeFailure extends Error {
  readonly code: string;
  readonly details: unknown;
  constructor(message: string, options: { code?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'NodeFailure';
    this.code = options.code ?? 'NODE_FAILED';
    this.details = options.details;
  }
}

/** Thrown when a `{{ … }}` expression fails; names the config field it came from. */
export class ExpressionError extends NodeFailure {
  readonly path: string;
  constructor(message: string, options: { path: string; expression?: string; cause?: unknown }) {
    super(options.path ? `${options.path}: ${message}` : message, {
      code: 'EXPRESSION_FAILED',
      details: { path: options.path, expression: options.expression },
      cause: options.cause,
    });
    this.name = 'ExpressionError';
    this.path = options.path;
  }
}

/** The error envelope every API error uses. */
export const ErrorEnvelope = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
