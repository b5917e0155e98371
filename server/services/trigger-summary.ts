/**
 * The one-line summary of a trigger event that the executions list shows per row, e.g.
 * `email: a@b.c · plan: pro`. Computed once when the execution is created and stored with it, so
 * listing a large history never reads (or parses) trigger outputs, which may be megabytes.
 *
 * Shape-based rather than mode-based: a manual run or a retry of a webhook workflow carries a
 * webhook-shaped event, and is summarised the same way.
 */

/** Longer summaries are cut here (a list row has room for one line). */
export const SUMMARY_MAX = 80;
const FIELDS = 3;
const VALUE_MAX = 32;
const MASK = '•••';
/** Keys whose values are never shown: a body may carry a password or token beside the fields people look for. */
const SENSITIVE_KEY = /pass(word|wd|phrase)?|secret|token|api[-_]?key|auth|credential|signature|cookie|session|private|cvv|card[-_]?number|ssn/i;

export function triggerSummary(event: unknown, scrub: (text: string) => string = (t) => t): string | null {
  const text = describe(event);
  if (!text) return null;
  // Control characters (a NUL is valid in a webhook body but not in PostgreSQL text) read as spaces.
  const clean = scrub(text).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > SUMMARY_MAX ? `${cut(clean, SUMMARY_MAX - 1).trimEnd()}…` : clean || null;
}

/** The first `n` UTF-16 units, never ending on half of a surrogate pair (an emoji cut in two). */
function cut(s: string, n: number): string {
  const head = s.slice(0, n);
  return /[\ud800-\udbff]$/.test(head) ? head.slice(0, -1) : head;
}

function describe(event: unknown): string {
  if (event === null || event === undefined) return '';
  if (!isRecord(event)) return value(event);
  // Webhook (and a manual run or retry of one): what was sent is in `body`.
  if ('body' in event && ('method' in event || 'headers' in event)) {
    const body = event.body;
    if (body === null || body === undefined || body === '' || (isRecord(body) && Object.keys(body).length === 0)) {
      return typeof event.method === 'string' ? `${event.method} with an empty body` : 'empty body';
    }
    return isRecord(body) ? fields(body) : value(body);
  }
  // Schedule: the slot it fired for.
  if (typeof event.scheduledAt === 'string' && Object.keys(event).every((k) => k === 'scheduledAt' || k === 'firedAt')) {
    return `scheduled for ${when(event.scheduledAt)}`;
  }
  // Poll: one new item per execution.
  if ('item' in event && 'polledAt' in event) return isRecord(event.item) ? fields(event.item) : value(event.item);
  return fields(event);
}

function fields(obj: Record<string, unknown>): string {
  const entries = Object.entries(obj);
  if (entries.length === 0) return '';
  const shown = entries.slice(0, FIELDS).map(([k, v]) => `${k}: ${SENSITIVE_KEY.test(k) ? MASK : value(v)}`);
  return shown.join(' · ') + (entries.length > FIELDS ? ' · …' : '');
}

function value(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return '';
  if (typeof v === 'string') return v.length > VALUE_MAX ? `${cut(v, VALUE_MAX - 1)}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.length} ${v.length === 1 ? 'item' : 'items'}]`;
  if (isRecord(v)) return '{…}';
  return '';
}

/** `2026-12-01T17:00:00.000Z` → `2026-12-01 17:00 UTC` (seconds only when set). */
function when(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(?:\.\d+)?Z$/.exec(iso);
  if (!m) return iso;
  return `${m[1]} ${m[2]}${m[3] && m[3] !== ':00' ? m[3] : ''} UTC`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
