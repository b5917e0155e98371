/**
 * A poll trigger's persisted state and the pure rules over it: which items are new (oldest first,
 * at most 100 per poll), the seen-key window (5,000, least recently seen dropped first), backoff.
 */
import type { PollItem } from '#shared/nodes/define.ts';
import { hash64 } from '#shared/nodes/poll-items.ts';

export const MAX_SEEN_KEYS = 5000;
export const MAX_NEW_PER_POLL = 100;
/** Failures back off to at most this many intervals. */
export const MAX_BACKOFF_FACTOR = 10;

export type PollState = {
  kind: 'poll';
  /** Names this activation's dedupe space; a new activation starts a new one. */
  epoch: string;
  /** Fingerprint of what is polled (method, URL, query, items, key): a different source seeds afresh. */
  source: string;
  seeded: boolean;
  /** Least recently seen first. */
  seen: string[];
  etag: string | null;
  lastModified: string | null;
  lastPolledAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  failures: number;
  nextPollAt: number | null;
  /** What the last poll found (absent in state written before it was kept; null after a failure). */
  lastResult?: PollOutcome | null;
};

/** The last poll: how many items the API listed and how many runs started, or "not modified" (304). */
export type PollOutcome = { items: number; started: number } | 'not-modified';

export function parsePollState(json: string): PollState | undefined {
  try {
    const s = JSON.parse(json) as Partial<PollState> | null;
    return s && s.kind === 'poll' && Array.isArray(s.seen) ? (s as PollState) : undefined;
  } catch {
    // A corrupt row is treated as absent: the trigger seeds again rather than firing everything.
    return undefined;
  }
}

export function sourceFingerprint(config: { request: { method: string; url: string; query?: Record<string, string> }; items: string; key: string }): string {
  const { method, url, query } = config.request;
  return hash64(JSON.stringify([method, url, Object.entries(query ?? {}).sort(), config.items, config.key]));
}

export function freshPollState(source: string, epoch: string): PollState {
  return {
    kind: 'poll',
    epoch,
    source,
    seeded: false,
    seen: [],
    etag: null,
    lastModified: null,
    lastPolledAt: null,
    lastError: null,
    lastErrorAt: null,
    failures: 0,
    nextPollAt: null,
    lastResult: null,
  };
}

/**
 * The ordering rule: APIs list newest first far more often than not (GitHub, Stripe, most feeds),
 * so the response order is read as newest → oldest and reversed. Duplicated keys count once.
 */
export function oldestFirst(items: readonly PollItem[]): PollItem[] {
  const out: PollItem[] = [];
  const keys = new Set<string>();
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i]!;
    if (keys.has(it.key)) continue;
    keys.add(it.key);
    out.push(it);
  }
  return out;
}

/** Unseen items, oldest first, at most `cap`; `more` says some were left for the next poll. */
export function selectNew(ordered: readonly PollItem[], seen: readonly string[], cap = MAX_NEW_PER_POLL): { fresh: PollItem[]; more: boolean } {
  const known = new Set(seen);
  const unseen = ordered.filter((it) => !known.has(it.key));
  return { fresh: unseen.slice(0, cap), more: unseen.length > cap };
}

/**
 * Moves `keys` to the recent end of the window and trims the oldest. Keys still listed by the API
 * are refreshed on every poll, so they cannot age out and fire again while they are still listed.
 */
export function remember(seen: readonly string[], keys: readonly string[], max = MAX_SEEN_KEYS): string[] {
  const touched = new Set(keys);
  const out = seen.filter((k) => !touched.has(k));
  for (const k of touched) out.push(k);
  return out.length > max ? out.slice(out.length - max) : out;
}

/** Delay before the next poll: the interval, doubled per consecutive failure up to ten intervals; Retry-After can only lengthen it. */
export function nextDelay(intervalMs: number, failures: number, retryAfterMs?: number): number {
  if (failures <= 0) return intervalMs;
  const cap = intervalMs * MAX_BACKOFF_FACTOR;
  const backoff = Math.min(intervalMs * 2 ** failures, cap);
  return retryAfterMs !== undefined ? Math.min(Math.max(backoff, retryAfterMs), cap) : backoff;
}
