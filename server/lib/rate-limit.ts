/** A fixed-window counter per key, in memory (one process; a restart forgets, which only ever helps users). */
export type RateLimiter = {
  /** Counts a hit; returns ms until the window resets when over the limit, else 0. */
  hit(key: string, now: number): number;
  /** Current over-limit wait without counting. */
  blockedFor(key: string, now: number): number;
  reset(key: string): void;
};

export function createRateLimiter(limit: number, windowMs: number, maxKeys = 100_000): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const current = (key: string, now: number) => {
    let w = windows.get(key);
    if (!w || now - w.start >= windowMs) {
      w = { start: now, count: 0 };
      if (windows.size >= maxKeys) windows.delete(windows.keys().next().value!); // bounded memory under a flood of keys
      windows.set(key, w);
    }
    return w;
  };
  return {
    hit(key, now) {
      const w = current(key, now);
      w.count++;
      return w.count > limit ? w.start + windowMs - now : 0;
    },
    blockedFor(key, now) {
      const w = windows.get(key);
      if (!w || now - w.start >= windowMs) return 0;
      return w.count >= limit ? w.start + windowMs - now : 0;
    },
    reset: (key) => void windows.delete(key),
  };
}
