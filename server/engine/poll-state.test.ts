import { describe, expect, it } from 'vitest';
import { nextDelay, oldestFirst, remember, selectNew, sourceFingerprint } from './poll-state.ts';

const items = (...keys: string[]) => keys.map((key) => ({ key, item: { id: key } }));

describe('poll dedupe', () => {
  it('reads the response as newest first and fires oldest first, counting a repeated key once', () => {
    expect(oldestFirst(items('c', 'b', 'a', 'b')).map((i) => i.key)).toEqual(['b', 'a', 'c']);
  });

  it('selects unseen items only, oldest first, at most the cap', () => {
    const ordered = oldestFirst(items('e', 'd', 'c', 'b', 'a'));
    expect(selectNew(ordered, ['a', 'c']).fresh.map((i) => i.key)).toEqual(['b', 'd', 'e']);
    const capped = selectNew(ordered, [], 2);
    expect(capped.fresh.map((i) => i.key)).toEqual(['a', 'b']);
    expect(capped.more).toBe(true);
  });

  it('keeps the most recently seen keys, refreshing keys still listed', () => {
    expect(remember(['a', 'b', 'c'], ['a', 'd'], 3)).toEqual(['c', 'a', 'd']);
    expect(remember([], ['x'])).toEqual(['x']);
    const many = Array.from({ length: 6000 }, (_, i) => `k${i}`);
    const kept = remember([], many);
    expect(kept).toHaveLength(5000);
    expect(kept[0]).toBe('k1000');
  });

  it('fingerprints what is polled, not how often', () => {
    const a = sourceFingerprint({ request: { method: 'GET', url: 'https://x/a', query: { b: '1', a: '2' } }, items: 'body', key: 'id' });
    const b = sourceFingerprint({ request: { method: 'GET', url: 'https://x/a', query: { a: '2', b: '1' } }, items: 'body', key: 'id' });
    const c = sourceFingerprint({ request: { method: 'GET', url: 'https://x/b', query: {} }, items: 'body', key: 'id' });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe('backoff', () => {
  it('doubles per consecutive failure up to ten intervals', () => {
    expect([0, 1, 2, 3, 4, 9].map((f) => nextDelay(10_000, f))).toEqual([10_000, 20_000, 40_000, 80_000, 100_000, 100_000]);
  });

  it('lets Retry-After lengthen the wait, never beyond the cap', () => {
    expect(nextDelay(10_000, 1, 60_000)).toBe(60_000);
    expect(nextDelay(10_000, 1, 5_000)).toBe(20_000);
    expect(nextDelay(10_000, 1, 999_999)).toBe(100_000);
  });
});
