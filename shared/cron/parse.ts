/**
 * The one cron parser. The editor's preview, the graph validation (editor and server) and the
 * server's scheduler all read a schedule with it, so what the editor accepts is what runs and a
 * fault reads the same wherever it is shown.
 *
 * The syntax is node-cron 4's, which the server validated with before this parser: 5 fields, or 6
 * with seconds first; lists, ranges (one written backwards wraps round: hours `22-2` are 22, 23, 0,
 * 1, 2), steps after `*` or a range, month and day names (three letters or in full, any case), `?`
 * for a whole day field, `@yearly` … `@hourly`, and Quartz's `L`, `L-n`, `nW`, `LW` in the day of
 * month and `nL`, `n#k` in the day of week; 0 and 7 are both Sunday. Two things node-cron let
 * through are refused: a range end outside the field (`70-10` in minutes) and a name glued to
 * other text (`jan1`, which node-cron read as 11).
 */

export type DayToken = number | string;

/** The values each field matches; day fields may hold the L/W/# tokens, normalised (`L-3`, `15W`, `5L`, `5#2`). */
export type CronFields = {
  second: number[];
  minute: number[];
  hour: number[];
  dayOfMonth: DayToken[];
  month: number[];
  dayOfWeek: DayToken[];
};

/**
 * How the two day fields combine. `either` when both are restricted: a day matches when its day of
 * month or its weekday does (`0 0 1,15 * 1` runs on the 1st, the 15th and every Monday). `both`
 * when either field is unrestricted, which, as in Vixie cron and cronie (crontab(5) on Linux),
 * means its text starts with `*` (a plain `*`, or `*` with a step) or is `?`: so with a day of
 * month of every second day (`*` step 2) and a weekday of 1, only odd-dated Mondays match.
 * cron-parser and Kubernetes (robfig/cron) call a stepped `*` restricted instead; see the README.
 */
export type DayRule = 'either' | 'both';

export type CronParse = { ok: true; fields: CronFields; hasSeconds: boolean; days: DayRule } | { ok: false; message: string };

type FieldSpec = { key: keyof CronFields; name: string; min: number; max: number; names?: readonly string[] };

const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

const FIELDS: readonly FieldSpec[] = [
  { key: 'second', name: 'second', min: 0, max: 59 },
  { key: 'minute', name: 'minute', min: 0, max: 59 },
  { key: 'hour', name: 'hour', min: 0, max: 23 },
  { key: 'dayOfMonth', name: 'day of month', min: 1, max: 31 },
  { key: 'month', name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { key: 'dayOfWeek', name: 'day of week', min: 0, max: 7, names: DAY_NAMES },
];

const SHORTCUTS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The most days each month can have (February's leap day counts: `0 0 29 2 *` runs every four years). */
const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A fault in one expression; its message is the one wording shown everywhere. */
class CronFault extends Error {}

/** The number a name stands for in `field` (months 1-based, days 0-based), or undefined. */
function named(raw: string, field: FieldSpec): number | undefined {
  if (!field.names) return undefined;
  const lower = raw.toLowerCase();
  const i = field.names.findIndex((n) => lower === n || lower === n.slice(0, 3));
  if (i < 0) return undefined;
  return field.key === 'month' ? i + 1 : i;
}

/** One value: a number within the field, or a name. */
function value(raw: string, field: FieldSpec, token: string): number {
  const name = named(raw, field);
  if (name !== undefined) return name;
  if (!/^\d+$/.test(raw)) throw new CronFault(`"${token}" is not a valid ${field.name}`);
  const n = Number(raw);
  if (n < field.min || n > field.max) throw new CronFault(`${field.name} ${n} is out of range ${field.min}–${field.max}`);
  return n;
}

/** A day-of-month or day-of-week token (L, L-n, nW, LW, nL, n#k), normalised, or undefined when `part` is none. */
function dayToken(part: string, field: FieldSpec): string | undefined {
  if (field.key === 'dayOfMonth') {
    if (/^L$/i.test(part)) return 'L';
    const back = /^L-(\d+)$/i.exec(part);
    if (back) {
      const n = Number(back[1]);
      if (n < 1 || n > 30) throw new CronFault(`"${part}" in the day of month field: L-n counts back 1 to 30 days from the last`);
      return `L-${n}`;
    }
    const weekday = /^(\d+|L)W$/i.exec(part);
    if (weekday) {
      if (/^L$/i.test(weekday[1]!)) return 'LW';
      return `${value(weekday[1]!, field, part)}W`;
    }
    return undefined;
  }
  if (field.key === 'dayOfWeek') {
    const last = /^([a-z]+|\d+)L$/i.exec(part);
    if (last) return `${value(last[1]!, field, part) % 7}L`;
    const nth = /^([a-z]+|\d+)#(\d+)$/i.exec(part);
    if (nth) {
      const k = Number(nth[2]);
      if (k < 1 || k > 5) throw new CronFault(`"${part}" in the day of week field: # takes 1 to 5 (the nth such day of the month)`);
      return `${value(nth[1]!, field, part) % 7}#${k}`;
    }
  }
  return undefined;
}

/** The values of one list item: `*`, a value, a range, either with a step, or a day token. */
function item(part: string, field: FieldSpec): DayToken[] {
  if (part === '') throw new CronFault(`the ${field.name} field has an empty list item`);
  const token = dayToken(part, field);
  if (token !== undefined) return [token];
  const pieces = part.split('/');
  if (pieces.length > 2) throw new CronFault(`"${part}" is not a valid ${field.name}`);
  const [range = '', stepText] = pieces;
  let step = 1;
  if (stepText !== undefined) {
    step = /^\d+$/.test(stepText) ? Number(stepText) : 0;
    if (step < 1) throw new CronFault(`"${part}": the step in the ${field.name} field must be a whole number of 1 or more`);
  }
  // `*` spans the field; the day of week's is 0–6, 7 being Sunday's second name.
  const top = field.key === 'dayOfWeek' ? 6 : field.max;
  let lo: number;
  let hi: number;
  if (range === '*') {
    lo = field.min;
    hi = top;
  } else if (range.includes('-')) {
    const ends = range.split('-');
    if (ends.length !== 2) throw new CronFault(`"${part}" is not a valid ${field.name}`);
    lo = value(ends[0]!, field, part);
    hi = value(ends[1]!, field, part);
  } else if (stepText !== undefined) {
    throw new CronFault(`"${part}" in the ${field.name} field: a step follows * or a range (*/${stepText} or ${range}-${top}/${stepText})`);
  } else {
    return [value(range, field, part)];
  }
  const out: number[] = [];
  if (lo <= hi) {
    for (let v = lo; v <= hi; v += step) out.push(v);
  } else {
    // Written backwards: wraps past the field's end, as node-cron reads it (22-2 → 22, 23, 0, 1, 2).
    const size = top - field.min + 1;
    const span = (((hi - lo) % size) + size) % size;
    for (let offset = 0; offset <= span; offset += step) out.push(lo + offset > top ? lo + offset - size : lo + offset);
  }
  return out;
}

function parseField(text: string, field: FieldSpec): DayToken[] {
  // `?` means "any" in the two day fields (Quartz's way of leaving one of them open).
  const source = text === '?' && (field.key === 'dayOfMonth' || field.key === 'dayOfWeek') ? '*' : text;
  const values = source.split(',').flatMap((part) => item(part, field));
  const numbers = values.filter((v): v is number => typeof v === 'number').map((v) => (field.key === 'dayOfWeek' ? v % 7 : v));
  const tokens = values.filter((v): v is string => typeof v === 'string');
  return [...[...new Set(numbers)].sort((a, b) => a - b), ...new Set(tokens)];
}

function impossibleDay(fields: CronFields): string | null {
  if (fields.dayOfMonth.some((d) => typeof d !== 'number')) return null;
  const days = fields.dayOfMonth as number[];
  if (fields.month.some((m) => days.some((d) => d <= MAX_DAYS[m - 1]!))) return null;
  const monthNames = fields.month.map((m) => MONTH_NAMES[m - 1]!.replace(/^./, (c) => c.toUpperCase()));
  return `day of month ${days.join(',')} is impossible in ${monthNames.join(', ')}`;
}

/** Vixie's test for "unrestricted": the field's text starts with `*`, or is Quartz's `?`. */
const isUnrestricted = (field: string): boolean => field.startsWith('*') || field === '?';

function dayRule(dayOfMonth: string, dayOfWeek: string): DayRule {
  return isUnrestricted(dayOfMonth) || isUnrestricted(dayOfWeek) ? 'both' : 'either';
}

/** Parses `expression`; a fault comes back as one readable sentence. */
export function parseCron(expression: string): CronParse {
  if (typeof expression !== 'string') return { ok: false, message: 'a cron expression must be text' };
  const trimmed = expression.trim();
  if (trimmed === '') return { ok: false, message: 'a cron expression is required' };
  if (trimmed.includes('{{')) return { ok: false, message: 'a schedule cannot use {{ expressions }}' };
  let text = trimmed;
  if (trimmed.startsWith('@')) {
    const resolved = SHORTCUTS[trimmed.toLowerCase()];
    if (!resolved) return { ok: false, message: `unknown shortcut "${trimmed}": use @yearly, @monthly, @weekly, @daily or @hourly` };
    text = resolved;
  }
  const illegal = /[^a-zA-Z0-9\-*/,#?\s]/.exec(text);
  if (illegal) return { ok: false, message: `"${illegal[0]}" cannot appear in a cron expression` };
  const parts = text.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) return { ok: false, message: `expected 5 fields (or 6 with seconds first), got ${parts.length}` };
  const hasSeconds = parts.length === 6;
  const all = hasSeconds ? parts : ['0', ...parts];
  try {
    const fields = Object.fromEntries(FIELDS.map((f, i) => [f.key, parseField(all[i]!, f)])) as CronFields;
    const days = dayRule(all[3]!, all[5]!);
    // Either day field may carry the schedule on its own, so an impossible day of month only
    // means "never" when the weekday cannot rescue it.
    const impossible = days === 'both' ? impossibleDay(fields) : null;
    return impossible ? { ok: false, message: impossible } : { ok: true, fields, hasSeconds, days };
  } catch (err) {
    if (err instanceof CronFault) return { ok: false, message: err.message };
    throw err;
  }
}

/** Why `expression` is not a schedule the server can run, or null when it is one. */
export function cronProblem(expression: string): string | null {
  const parsed = parseCron(expression);
  return parsed.ok ? null : parsed.message;
}
