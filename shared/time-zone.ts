/**
 * Wall time ⇄ instant in an IANA timezone, via Intl only (no tz database of our own).
 * DST rule, as Temporal's "compatible": a skipped wall time runs shifted forward by the gap,
 * a repeated wall time runs once, at its first occurrence.
 */

export type ZoneDay =
  | { kind: 'fixed'; offset: number }
  /** `wall` is the wall time written as if it were UTC (Date.UTC of its fields). */
  | { kind: 'shift'; toInstant(wall: number): number };

const HOUR = 3_600_000;
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Etc/Universal', 'Etc/Zulu', 'Zulu', 'Universal']);

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** True when Intl knows the zone (IANA names such as `Europe/Paris`, plus `UTC`). */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz.trim() === '') return false;
  try {
    formatter(tz);
    return true;
  } catch {
    // Intl throws a RangeError for an unknown zone; that is exactly the answer wanted.
    return false;
  }
}

/** The zone's UTC offset at instant `ms`, in milliseconds (local = utc + offset). */
export function offsetAt(ms: number, tz: string): number {
  if (UTC_ZONES.has(tz)) return 0;
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The local calendar date at instant `ms`. */
export function localDate(ms: number, tz: string): { y: number; m: number; d: number } {
  const t = new Date(ms + offsetAt(ms, tz));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

const days = new Map<string, ZoneDay>();

/**
 * How wall times on one local day map to instants. Cached per (zone, day): ten thousand schedules
 * due on the same day in the same zone share two Intl look-ups.
 */
export function zoneDay(tz: string, y: number, m: number, d: number): ZoneDay {
  if (UTC_ZONES.has(tz)) return { kind: 'fixed', offset: 0 };
  const key = `${tz}|${y}-${m}-${d}`;
  const hit = days.get(key);
  if (hit) return hit;
  const midnight = Date.UTC(y, m - 1, d);
  // Offsets span -12h…+14h, so [midnight-15h, midnight+37h] covers the whole local day.
  const a = midnight - 15 * HOUR;
  const b = midnight + 37 * HOUR;
  const offA = offsetAt(a, tz);
  const offB = offsetAt(b, tz);
  let day: ZoneDay;
  if (offA === offB) {
    day = { kind: 'fixed', offset: offA };
  } else {
    // One change in the window (real zones never change twice within 52 h): find it to the second.
    let lo = a;
    let hi = b;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (offsetAt(mid, tz) === offA) lo = mid;
      else hi = mid;
    }
    const change = hi;
    day = {
      kind: 'shift',
      toInstant(wall) {
        const before = wall - offA;
        const after = wall - offB;
        const beforeOk = before < change;
        const afterOk = after >= change;
        if (beforeOk && afterOk) return Math.min(before, after); // repeated: first occurrence
        if (beforeOk) return before;
        if (afterOk) return after;
        return before; // skipped: shifted forward by the gap
      },
    };
  }
  if (days.size > 20_000) days.clear();
  days.set(key, day);
  return day;
}
