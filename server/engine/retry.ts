/** Backoff policy (pure): exponential with jitter; a server's Retry-After wins when it asks for longer. */
import type { RetryPolicy } from '#shared/workflow.ts';

export const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * Delay before attempt `attempt + 1`, after `attempt` (1-based) failed.
 * Jitter keeps the delay in [base/2, base] so a burst of failures does not retry in lockstep.
 */
export function nextDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const base = Math.min(policy.delayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
  const jittered = Math.round(base / 2 + (random() * base) / 2);
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
    return Math.min(Math.max(jittered, retryAfterMs), MAX_RETRY_DELAY_MS);
  }
  return jittered;
}
