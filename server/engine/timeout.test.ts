/** The timeout budget with a fake clock: what it counts, when it expires, how often it checkpoints. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkpointEveryMs, startBudget } from './timeout.ts';

afterEach(() => vi.useRealTimers());

describe('timeout budget', () => {
  it('checkpoints every tenth of the timeout, within 1 to 10 seconds', () => {
    expect(checkpointEveryMs(1_000)).toBe(1_000);
    expect(checkpointEveryMs(30_000)).toBe(3_000);
    expect(checkpointEveryMs(3_600_000)).toBe(10_000);
  });

  it('counts what earlier advances used plus this one, expires when that reaches the timeout, and checkpoints meanwhile', () => {
    vi.useFakeTimers({ now: 0 });
    const checkpoints: number[] = [];
    const clock = { now: () => Date.now() };
    const budget = startBudget({ timeoutSeconds: 10, usedMs: 4_000, clock, checkpoint: (ms) => checkpoints.push(ms) });
    vi.advanceTimersByTime(2_500);
    expect(budget.used()).toBe(6_500);
    expect(checkpoints).toEqual([5_000, 6_000]);
    expect(budget.expired()).toBe(false);
    vi.advanceTimersByTime(3_500);
    expect(budget.expired()).toBe(true);
    expect(budget.signal?.aborted).toBe(true);
    budget.stop();
    vi.advanceTimersByTime(5_000);
    expect(checkpoints).toHaveLength(6);
    expect(budget.used()).toBe(10_000);
  });

  it('is spent at once when earlier advances used it all, and absent without a timeout', () => {
    const clock = { now: () => 0 };
    const spent = startBudget({ timeoutSeconds: 1, usedMs: 1_000, clock, checkpoint: () => undefined });
    expect(spent.expired()).toBe(true);
    spent.stop();
    const none = startBudget({ timeoutSeconds: undefined, usedMs: 0, clock, checkpoint: () => undefined });
    expect(none.signal).toBeUndefined();
    expect(none.expired()).toBe(false);
  });
});
