/** Maps what undici and the socket layer throw onto the HttpPort contract: retry later (RetryableError) or fail now (NodeFailure). */
import { NodeFailure, RetryableError } from '#shared/errors.ts';

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Certificate problems fail the same way on every attempt until someone fixes the server or the URL. */
function isCertificateError(code: string): boolean {
  return code.startsWith('CERT_') || code.includes('SELF_SIGNED') || code.startsWith('UNABLE_TO_') || code === 'ERR_TLS_CERT_ALTNAME_INVALID';
}

export type FailureContext = {
  url: string;
  timeoutMs: number;
  /** Our own deadline fired (as opposed to the caller cancelling). */
  timedOut: boolean;
  callerSignal: AbortSignal | undefined;
};

/** The error the port rejects with for `err`, thrown while talking to `ctx.url`. */
export function toPortError(err: unknown, ctx: FailureContext): unknown {
  if (ctx.timedOut) {
    return new RetryableError(`request to ${ctx.url} timed out after ${ctx.timeoutMs} ms`, { code: 'TIMEOUT', cause: err });
  }
  // The caller cancelled (execution canceled, engine shutdown): its reason is the truth, not a network fault.
  if (ctx.callerSignal?.aborted) return ctx.callerSignal.reason ?? err;
  if (err instanceof NodeFailure || err instanceof RetryableError) return err;

  const code = errorCode(err);
  const details = { url: ctx.url, code };
  if (code === 'UND_ERR_INVALID_ARG') {
    return new NodeFailure(`invalid request: ${messageOf(err)}`, { code: 'CONFIG_INVALID', details, cause: err });
  }
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new RetryableError(`request to ${ctx.url} timed out (${code})`, { code: 'TIMEOUT', details, cause: err });
  }
  if (code !== undefined && isCertificateError(code)) {
    return new NodeFailure(`TLS certificate rejected for ${ctx.url}: ${messageOf(err)}`, { code: 'TLS_INVALID', details, cause: err });
  }
  // Refused, reset, DNS failures, sockets closed mid-response: worth another attempt later.
  return new RetryableError(`request to ${ctx.url} failed: ${messageOf(err)}`, { code: 'NETWORK', details, cause: err });
}

/** The first `code` along the cause chain (undici wraps socket errors, fetch-style, in `cause`). */
function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}
