import { describe, expect, it } from 'vitest';
import { refreshDelay } from './poll-live.ts';

describe('refreshDelay', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const at = (ms: number) => new Date(now + ms).toISOString();

  it('re-reads just after the next poll is due, within bounds', () => {
    expect(refreshDelay(at(8000), now)).toBe(9500);
    expect(refreshDelay(at(100), now)).toBe(1600);
    expect(refreshDelay(at(-200), now)).toBe(2000);
    expect(refreshDelay(at(10 * 60_000), now)).toBe(30_000);
  });

  it('re-reads every two seconds while the first poll is awaited, and backs off when long overdue', () => {
    expect(refreshDelay(null, now)).toBe(2000);
    expect(refreshDelay(undefined, now)).toBe(2000);
    expect(refreshDelay(at(-40_000), now)).toBe(10_000);
    expect(refreshDelay(at(-10 * 60_000), now)).toBe(30_000);
  });
});
