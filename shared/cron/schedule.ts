/**
 * Cron next-run maths in an IANA timezone: `parse.ts` reads the expression, this module walks the
 * calendar. The server fires with it and the editor previews the next runs with it, so both say
 * the same times, DST days included (a skipped wall time runs shifted forward by the gap, a
 * repeated one once, at its first occurrence: shared/time-zone.ts).
 */
import { isValidTimeZone, localDate, zoneDay, type ZoneDay } from '../time-zone.ts';
import { parseCron, type CronFields, type DayRule, type DayToken } from './parse.ts';

export type CronSchedule = {
  expression: string;
  timezone: string;
  /** The first slot strictly after `afterMs`, or null when none comes within the search horizon. */
  next(afterMs: number): number | null;
  /** The latest slot in [notBefore, atOrBefore], or null. */
  latest(notBefore: number, atOrBefore: number): number | null;
  /** How many slots fall strictly between `after` and `before` (stops counting at `cap`). */
  countBetween(after: number, before: number, cap: number): number;
};

/** Far enough to find Feb 29 on a given weekday (a 28-year cycle). */
const HORIZON_DAYS = 366 * 29;
const DAY_MS = 86_400_000;

/** Thrown by compileCron for an expression or timezone that cannot be scheduled; the message is parse.ts's wording. */
export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

const compiled = new Map<string, CronSchedule>();

/** Parses once per (expression, timezone); schedules with the same cron share one matcher. */
export function compileCron(expression: string, timezone: string): CronSchedule {
  const cacheKey = `${timezone}\u0000${expression}`;
  const hit = compiled.get(cacheKey);
  if (hit) return hit;
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new CronError(parsed.message);
  if (!isValidTimeZone(timezone)) throw new CronError(unknownTimeZone(timezone));
  const schedule = buildSchedule(expression, timezone, parsed.fields, parsed.days);
  if (compiled.size > 5000) compiled.clear();
  compiled.set(cacheKey, schedule);
  return schedule;
}

/** The one wording for a timezone Intl does not know. */
export function unknownTimeZone(timezone: string): string {
  return `unknown timezone "${timezone}": use an IANA name such as Europe/Paris`;
}

/** The next `count` slots strictly after `from` (fewer when the schedule stops within the horizon). */
export function nextRuns(expression: string, timezone: string, from: Date, count: number): Date[] {
  const schedule = compileCron(expression, timezone);
  const out: Date[] = [];
  for (let t = schedule.next(from.getTime()); t !== null && out.length < count; t = schedule.next(t)) out.push(new Date(t));
  return out;
}

function buildSchedule(
  expression: string,
  timezone: string,
  f: CronFields,
  days: DayRule,
): CronSchedule {
  const seconds = sortedUnique(f.second);
  const minutes = sortedUnique(f.minute);
  const hours = sortedUnique(f.hour);
  const months = new Set(f.month);
  const dayMatches = dayMatcher(f.dayOfMonth, f.dayOfWeek, days);

  function next(afterMs: number): number | null {
    const after = Math.floor(afterMs / 1000) * 1000;
    let { y, m, d } = localDate(after, timezone);
    for (let i = 0; i < HORIZON_DAYS; i++) {
      if (!months.has(m)) {
        // Jump to the first of the next month instead of walking its days.
        ({ y, m, d } = m === 12 ? { y: y + 1, m: 1, d: 1 } : { y, m: m + 1, d: 1 });
        continue;
      }
      if (dayMatches(y, m, d)) {
        const found = firstOnDay(y, m, d, afterMs, zoneDay(timezone, y, m, d));
        if (found !== null) return found;
      }
      ({ y, m, d } = addDay(y, m, d));
    }
    return null;
  }

  /** The earliest slot on one local day that is later than `afterMs`. */
  function firstOnDay(y: number, m: number, d: number, afterMs: number, zone: ZoneDay): number | null {
    const base = Date.UTC(y, m - 1, d);
    if (zone.kind === 'fixed') {
      // No offset change today: instants grow with wall time, so the first one past `afterMs` wins.
      for (const h of hours) {
        if (base + h * 3_600_000 + 3_599_000 - zone.offset <= afterMs) continue;
        for (const mi of minutes) {
          if (base + h * 3_600_000 + mi * 60_000 + 59_000 - zone.offset <= afterMs) continue;
          for (const s of seconds) {
            const at = base + h * 3_600_000 + mi * 60_000 + s * 1000 - zone.offset;
            if (at > afterMs) return at;
          }
        }
      }
      return null;
    }
    // A DST change today: a skipped wall time shifts forward, so instants are not monotonic; take the minimum.
    let best: number | null = null;
    for (const h of hours) {
      for (const mi of minutes) {
        for (const s of seconds) {
          const at = zone.toInstant(base + h * 3_600_000 + mi * 60_000 + s * 1000);
          if (at > afterMs && (best === null || at < best)) best = at;
        }
      }
    }
    return best;
  }

  function latest(notBefore: number, atOrBefore: number): number | null {
    if (atOrBefore < notBefore) return null;
    // Widen a window back from `atOrBefore` until it holds a slot, then walk it forward: bounded
    // work even after a week of downtime on an every-second schedule.
    for (let w = 60_000; ; w *= 4) {
      const from = Math.max(notBefore - 1, atOrBefore - w);
      const first = next(from);
      if (first === null || first > atOrBefore) {
        if (from === notBefore - 1) return null;
        continue;
      }
      let last = first;
      for (let n = next(last); n !== null && n <= atOrBefore; n = next(last)) last = n;
      return last;
    }
  }

  function countBetween(after: number, before: number, cap: number): number {
    let n = 0;
    for (let t = next(after); t !== null && t < before && n < cap; t = next(t)) n++;
    return n;
  }

  return { expression, timezone, next, latest, countBetween };
}

function sortedUnique(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function addDay(y: number, m: number, d: number): { y: number; m: number; d: number } {
  const t = new Date(Date.UTC(y, m - 1, d) + DAY_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

const lastDayOf = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
const weekdayOf = (y: number, m: number, d: number): number => new Date(Date.UTC(y, m - 1, d)).getUTCDay();

/** The weekday nearest to `target` within the month (Quartz's `W`). */
function nearestWeekday(y: number, m: number, target: number): number {
  const last = lastDayOf(y, m);
  if (target > last) return -1;
  const wd = weekdayOf(y, m, target);
  if (wd === 6) return target === 1 ? 3 : target - 1;
  if (wd === 0) return target === last ? target - 2 : target + 1;
  return target;
}

/**
 * Whether a day is in the schedule. With both day fields restricted either one is enough (POSIX and
 * Vixie cron); otherwise both must match, the unrestricted one by its own values (a stepped `*`
 * still steps). Before this rule the scheduler always required both, as node-cron did.
 */
function dayMatcher(dom: readonly DayToken[], dow: readonly DayToken[], rule: DayRule): (y: number, m: number, d: number) => boolean {
  const domNumbers = new Set(dom.filter((v): v is number => typeof v === 'number'));
  const domTokens = dom.filter((v): v is string => typeof v === 'string');
  const dowNumbers = new Set(dow.filter((v): v is number => typeof v === 'number').map((v) => v % 7));
  const dowTokens = dow.filter((v): v is string => typeof v === 'string');

  const domOk = (y: number, m: number, d: number): boolean => {
    if (domNumbers.has(d)) return true;
    for (const t of domTokens) {
      if (t === 'L' && d === lastDayOf(y, m)) return true;
      const offset = /^L-(\d{1,2})$/.exec(t);
      if (offset && d === lastDayOf(y, m) - Number(offset[1])) return true;
      const w = /^(\d{1,2}|L)W$/.exec(t);
      if (w && nearestWeekday(y, m, w[1] === 'L' ? lastDayOf(y, m) : Number(w[1])) === d) return true;
    }
    return false;
  };
  const dowOk = (y: number, m: number, d: number): boolean => {
    const wd = weekdayOf(y, m, d);
    if (dowNumbers.has(wd)) return true;
    for (const t of dowTokens) {
      const last = /^([0-7])L$/i.exec(t);
      if (last && Number(last[1]) % 7 === wd && d + 7 > lastDayOf(y, m)) return true;
      const nth = /^([0-7])#([1-5])$/.exec(t);
      if (nth && Number(nth[1]) % 7 === wd && Math.floor((d - 1) / 7) + 1 === Number(nth[2])) return true;
    }
    return false;
  };
  return rule === 'either' ? (y, m, d) => domOk(y, m, d) || dowOk(y, m, d) : (y, m, d) => domOk(y, m, d) && dowOk(y, m, d);
}
