/**
 * Cron parsing and next-run computation for the schedule preview, in an IANA timezone.
 * Mirrors node-cron (the server's scheduler): 5 fields, or 6 with seconds first, and the
 * day-of-month and day-of-week fields must both match.
 */
import { isValidTimeZone, offsetAt, zoneDay } from '#shared/time-zone.ts';

type Field = { name: string; min: number; max: number; names?: readonly string[] };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const FIELDS: readonly Field[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

export type CronSchedule = {
  seconds: ReadonlySet<number>;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  hasSeconds: boolean;
};

function parseValue(raw: string, field: Field): number {
  const lower = raw.toLowerCase();
  if (field.names) {
    const idx = field.names.findIndex((n) => lower.startsWith(n));
    // Names: "jan".."dec" are 1-based months, "sun".."sat" 0-based days.
    if (idx >= 0 && /^[a-z]+$/.test(lower)) return field.name === 'month' ? idx + 1 : idx;
  }
  if (!/^\d+$/.test(raw)) throw new Error(`"${raw}" is not a valid ${field.name}`);
  const n = Number(raw);
  if (n < field.min || n > field.max) throw new Error(`${field.name} ${n} is out of range ${field.min}–${field.max}`);
  return n;
}

function parseField(text: string, field: Field): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') throw new Error(`empty list item in the ${field.name} field`);
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`"${stepText}" is not a valid step in the ${field.name} field`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = field.min;
      hi = field.name === 'day of week' ? 6 : field.max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      lo = parseValue(a, field);
      hi = parseValue(b, field);
      if (hi < lo) throw new Error(`range ${range} runs backwards in the ${field.name} field`);
    } else {
      lo = parseValue(range, field);
      hi = stepText === undefined ? lo : field.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(field.name === 'day of week' && v === 7 ? 0 : v);
  }
  return out;
}

/** Parses a 5- or 6-field cron expression; throws an Error with a readable message. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new Error(`expected 5 fields (or 6 with seconds), got ${parts.length}`);
  }
  const hasSeconds = parts.length === 6;
  const all = hasSeconds ? parts : ['0', ...parts];
  const sets = all.map((p, i) => parseField(p, FIELDS[i]!));
  return {
    seconds: sets[0]!,
    minutes: sets[1]!,
    hours: sets[2]!,
    daysOfMonth: sets[3]!,
    months: sets[4]!,
    daysOfWeek: sets[5]!,
    hasSeconds,
  };
}

/** The wall-clock time in `timeZone` at `instant`, encoded as a UTC epoch (so Date.UTC arithmetic works on it). */
function wallClock(instant: number, timeZone: string): number {
  return instant + offsetAt(instant, timeZone);
}

/**
 * The instant at which `timeZone` shows the wall time `wall`, by the same rule the server fires
 * with (shared/time-zone.ts): a wall time skipped by DST runs shifted forward by the gap, a
 * repeated one runs at its first occurrence.
 */
function instantOf(wall: number, timeZone: string): number {
  const d = new Date(wall);
  const day = zoneDay(timeZone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  return day.kind === 'fixed' ? wall - day.offset : day.toInstant(wall);
}

/** Throws a RangeError when `timeZone` is not a known IANA zone. */
export function assertTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`Invalid time zone specified: ${timeZone}`);
}

/** The next `count` instants strictly after `from` at which the schedule fires in `timeZone`. */
export function nextRuns(expression: string, timeZone: string, from: Date, count: number): Date[] {
  const s = parseCron(expression);
  const out: Date[] = [];
  const stepMs = s.hasSeconds ? 1000 : 60_000;
  let wall = wallClock(Math.floor(from.getTime() / stepMs) * stepMs + stepMs, timeZone);
  if (!s.hasSeconds) wall -= wall % 60_000;
  // Jumps are field-wise (month, day, hour, minute), so even yearly schedules take few iterations.
  for (let guard = 0; out.length < count && guard < 200_000; guard++) {
    const d = new Date(wall);
    const y = d.getUTCFullYear();
    const mo = d.getUTCMonth();
    const day = d.getUTCDate();
    const h = d.getUTCHours();
    const mi = d.getUTCMinutes();
    if (y > from.getUTCFullYear() + 8) break;
    if (!s.months.has(mo + 1)) wall = Date.UTC(y, mo + 1, 1);
    else if (!s.daysOfMonth.has(day) || !s.daysOfWeek.has(d.getUTCDay())) wall = Date.UTC(y, mo, day + 1);
    else if (!s.hours.has(h)) wall = Date.UTC(y, mo, day, h + 1);
    else if (!s.minutes.has(mi)) wall = Date.UTC(y, mo, day, h, mi + 1);
    else if (!s.seconds.has(d.getUTCSeconds())) wall += 1000;
    else {
      const at = instantOf(wall, timeZone);
      if (at > from.getTime() && (out.length === 0 || at > out[out.length - 1]!.getTime())) out.push(new Date(at));
      wall += s.hasSeconds ? 1000 : 60_000;
    }
  }
  return out;
}
