/**
 * The answers of a held webhook request (response modes `result` and `respond`): the run's output,
 * a Respond node's recorded answer, or the fallback, 202 with where to look or 500 with only the
 * error's code and message (never a stack, details or anything else of the engine's internals).
 */
import type { Step, StepError } from '#shared/execution.ts';
import { isForbiddenResponseHeader, type RespondOutput } from '#shared/nodes/action-respond.ts';
import type { HookReply } from './webhook.service.ts';

type Final = { status: string; error?: StepError | null };

/** Not finished in time (or, in respond mode, finished without answering): where to follow it. */
export function pendingReply(executionId: string, publicUrl: string): HookReply {
  return { status: 202, executionId, body: { executionId, statusUrl: `${publicUrl}/api/executions/${executionId}` } };
}

export function failedReply(executionId: string, final: Final): HookReply {
  const error =
    final.status === 'canceled'
      ? { code: 'EXECUTION_CANCELED', message: 'the execution was canceled' }
      : { code: final.error?.code ?? 'EXECUTION_FAILED', message: final.error?.message ?? 'the execution failed' };
  return { status: 500, executionId, reason: error.code, body: { executionId, error } };
}

/** A Respond step's recorded output as the answer; headers are filtered again, so nothing stored can frame the response. */
export function respondReply(executionId: string, step: Step): HookReply {
  if (step.truncated) {
    const error = { code: 'RESPONSE_TOO_LARGE', message: 'the Respond node’s body is larger than a step may store' };
    return { status: 500, executionId, reason: error.code, body: { executionId, error } };
  }
  const out = (step.output ?? {}) as Partial<RespondOutput>;
  const status = Number.isInteger(out.status) && out.status! >= 200 && out.status! <= 599 ? out.status! : 200;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(out.headers ?? {})) if (typeof v === 'string' && !isForbiddenResponseHeader(k) && k.toLowerCase() !== 'content-security-policy') headers[k] = v;
  // The hook is served from the editor's origin: a workflow's HTML answer must never run script there.
  headers['Content-Security-Policy'] = 'sandbox';
  if (out.bodyType === 'redirect') return { status, executionId, headers, body: null, raw: '' };
  if (out.bodyType === 'text') return { status, executionId, headers, body: null, raw: typeof out.body === 'string' ? out.body : '' };
  return { status, executionId, headers, body: out.body ?? null };
}
