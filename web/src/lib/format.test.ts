import { describe, expect, it } from 'vitest';
import { timeFromNow } from './format.ts';

describe('timeFromNow', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const at = (ms: number) => new Date(now + ms).toISOString();

  it('counts seconds both ways, then minutes', () => {
    expect(timeFromNow(at(0), now)).toBe('now');
    expect(timeFromNow(at(25_000), now)).toBe('in 25 s');
    expect(timeFromNow(at(-3_000), now)).toBe('3 s ago');
    expect(timeFromNow(at(-59_000), now)).toBe('59 s ago');
    expect(timeFromNow(at(4 * 60_000 + 10_000), now)).toBe('in 4 min');
    expect(timeFromNow(at(-61_000), now)).toBe('1 min ago');
  });

  it('says nothing for no time, and passes unreadable text through', () => {
    expect(timeFromNow(null, now)).toBe('—');
    expect(timeFromNow('soon', now)).toBe('soon');
  });
});
