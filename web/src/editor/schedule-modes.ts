/**
 * The schedule panel's simple modes ("every N minutes", "daily at 09:30", …) and the cron each
 * writes. The cron stays the stored form: `modeOf` reads a cron back into the mode that writes it
 * (so an opened workflow shows its mode), and anything no mode writes is "cron" (the advanced form).
 */
import { parseCron } from '#shared/cron/parse.ts';

export type ScheduleMode =
  | { kind: 'minutes'; every: number }
  | { kind: 'hours'; every: number }
  | { kind: 'daily'; hour: number; minute: number }
  /** `days`: 0 = Sunday … 6 = Saturday, sorted, at least one. */
  | { kind: 'weekly'; days: number[]; hour: number; minute: number }
  | { kind: 'cron' };

export type ModeKind = ScheduleMode['kind'];

export const MODE_LABELS: Record<ModeKind, string> = {
  minutes: 'Every N minutes',
  hours: 'Every N hours',
  daily: 'Daily at HH:MM',
  weekly: 'Weekly on <days> at HH:MM',
  cron: 'Cron (advanced)',
};

/** Upper bound of N for each interval mode (a step past the field's range would fire once an hour/day). */
export const INTERVAL_MAX = { minutes: 59, hours: 23 } as const;

const int = (text: string, min: number, max: number): number | null => {
  if (!/^\d{1,2}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
};

/** The days a day-of-week field names (numbers, names, ranges), or null when it holds L/# tokens or is `*`. */
function weekDays(field: string): number[] | null {
  if (field === '*' || field === '?') return null;
  const parsed = parseCron(`0 0 * * ${field}`);
  if (!parsed.ok || parsed.fields.dayOfWeek.some((d) => typeof d !== 'number')) return null;
  return parsed.fields.dayOfWeek as number[];
}

/** The mode that writes `cron` (up to spelling: `0 9 * * mon-fri` is weekly), else `{kind: 'cron'}`. */
export function modeOf(cron: string): ScheduleMode {
  const parts = cron.trim().split(/\s+/);
  if (parts.length !== 5) return { kind: 'cron' };
  const [mi = '', h = '', dom, mon, dow = ''] = parts;
  if (dom !== '*' || mon !== '*') return { kind: 'cron' };
  if (h === '*' && dow === '*') {
    if (mi === '*') return { kind: 'minutes', every: 1 };
    const step = /^\*\/(\d+)$/.exec(mi);
    const every = step ? int(step[1]!, 1, INTERVAL_MAX.minutes) : null;
    if (every !== null) return { kind: 'minutes', every };
  }
  const minute = int(mi, 0, 59);
  if (minute === null) return { kind: 'cron' };
  if (dow === '*') {
    if (minute === 0 && h === '*') return { kind: 'hours', every: 1 };
    const step = /^\*\/(\d+)$/.exec(h);
    const every = step ? int(step[1]!, 1, INTERVAL_MAX.hours) : null;
    if (minute === 0 && every !== null) return { kind: 'hours', every };
  }
  const hour = int(h, 0, 23);
  if (hour === null) return { kind: 'cron' };
  if (dow === '*') return { kind: 'daily', hour, minute };
  const days = weekDays(dow);
  return days ? { kind: 'weekly', days, hour, minute } : { kind: 'cron' };
}

/** `[1,2,3,4,5]` → `1-5`, `[1,3,5]` → `1,3,5`: runs of three or more become ranges. */
function dayList(days: readonly number[]): string {
  const sorted = [...new Set(days.map((d) => d % 7))].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(j - i >= 2 ? `${sorted[i]}-${sorted[j]}` : sorted.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return out.join(',');
}

/** The cron a mode writes; `cron` mode has none of its own (the text is kept as typed). */
export function cronOf(mode: Exclude<ScheduleMode, { kind: 'cron' }>): string {
  switch (mode.kind) {
    case 'minutes':
      return mode.every === 1 ? '* * * * *' : `*/${mode.every} * * * *`;
    case 'hours':
      return mode.every === 1 ? '0 * * * *' : `0 */${mode.every} * * *`;
    case 'daily':
      return `${mode.minute} ${mode.hour} * * *`;
    case 'weekly':
      return `${mode.minute} ${mode.hour} * * ${dayList(mode.days)}`;
  }
}

/**
 * The first cron of `kind` when the person switches to it, keeping what carries over from the
 * current mode (the time of day, the interval), so switching back and forth loses nothing obvious.
 */
export function switchTo(kind: Exclude<ModeKind, 'cron'>, from: ScheduleMode): string {
  const at = from.kind === 'daily' || from.kind === 'weekly' ? { hour: from.hour, minute: from.minute } : { hour: 9, minute: 0 };
  switch (kind) {
    case 'minutes':
      return cronOf({ kind, every: from.kind === 'minutes' ? from.every : 15 });
    case 'hours':
      return cronOf({ kind, every: from.kind === 'hours' ? from.every : 1 });
    case 'daily':
      return cronOf({ kind, ...at });
    case 'weekly':
      return cronOf({ kind, days: from.kind === 'weekly' ? from.days : [1, 2, 3, 4, 5], ...at });
  }
}

/** `9, 5` → `09:05` (an `<input type="time">` value), and back. */
export const timeText = (hour: number, minute: number): string => `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;

export function parseTime(text: string): { hour: number; minute: number } | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  return hour <= 23 && minute <= 59 ? { hour, minute } : null;
}
