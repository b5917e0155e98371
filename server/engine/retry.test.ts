import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, nextDelay } from './retry.ts';

describe('nextDelay', () => {
  const policy = { attempts: 5, delayMs: 1000 };
  it('doubles per attempt, jittered within [base/2, base]', () => {
    expect(nextDelay(1, policy, undefined, () => 0)).toBe(500);
    expect(nextDelay(1, policy, undefined, () => 1)).toBe(1000);
    expect(nextDelay(3, policy, undefined, () => 1)).toBe(4000);
    expect(nextDelay(3, policy, undefined, () => 0)).toBe(2000);
  });
  it('honours a longer Retry-After and ignores a shorter one', () => {
    expect(nextDelay(1, policy, 7000, () => 0)).toBe(7000);
    expect(nextDelay(3, policy, 10, () => 1)).toBe(4000);
  });
  it('caps at one hour', () => {
    expect(nextDelay(30, policy, undefined, () => 1)).toBe(MAX_RETRY_DELAY_MS);
    expect(nextDelay(1, policy, 10 * MAX_RETRY_DELAY_MS)).toBe(MAX_RETRY_DELAY_MS);
  });
});
