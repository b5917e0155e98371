/**
 * The cron maths against an independent implementation, cron-parser 5: a corpus of expressions,
 * five IANA zones and start instants around each zone's DST changes, comparing the next runs.
 *
 * Two checks per case:
 *  - against cron-parser in the zone itself: the same runs, except on the local day of a DST
 *    change, where the two implementations legitimately differ (see "where cron-parser differs");
 *  - against the documented rule, built from independent parts for every case, DST days
 *    included: the wall times come from cron-parser in UTC (where a day has no DST change), the
 *    day fields combine as README says (either one when both are restricted, else both), and
 *    each wall time maps to an instant by README's DST rule, computed here from Intl alone.
 */
import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { parseCron } from './parse.ts';
import { nextRuns } from './schedule.ts';

const RUNS = 10;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * [ours, cron-parser's spelling]: the second only where cron-parser spells it differently (it
 * refuses ranges written backwards, which ours wrap round). `L-n`, `nW` and `LW` are left out:
 * cron-parser does not have them (schedule.test.ts checks them by hand).
 */
const CORPUS: readonly (readonly [string, string?])[] = [
  ['*/7 * * * *'],
  ['0 * * * *'],
  ['*/20 * * * * *'],
  ['30 2 * * *'],
  ['15 2 * * *'],
  ['45 1 * * *'],
  ['0,30 1-3 * * *'],
  ['0 9 * * mon-fri'],
  ['5 4 * * sun'],
  ['0 2 * 3,4,10,11 0'],
  ['0 22-2 * * *', '0 22-23,0-2 * * *'],
  ['50-10/5 3 * * *', '50,55,0,5,10 3 * * *'],
  ['@weekly'],
  ['@monthly'],
  ['0 0 1 jan,jul *'],
  ['0 0 29 2 *'],
  ['0 0 L * *'],
  ['0 0 * * 5L'],
  ['0 3 * * 0#1'],
  // Both day fields restricted: either matches.
  ['0 0 1,15 * 1'],
  ['0 0 13 * fri'],
  ['30 2 1-7 * 0'],
  ['0 12 L * 5#2'],
  ['30 1 1,L * 0'],
  ['0 4 8-14 * 3'],
  ['0 0 29 2 1'],
  ['0 0 1-31 * 1'],
  ['0 6 10-12 * sat-mon', '0 6 10-12 * 6,0,1'],
  ['0 0 1 */3 5'],
  // One day field unrestricted, `?` or a stepped `*`: both must match.
  ['0 0 ? * 1'],
  ['0 0 1 * ?'],
  ['0 0 */2 * 1'],
  ['0 0 1-7 * */2'],
  ['15 2 */3 * 0'],
];

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];

/** Each zone's 2025 DST changes, as instants (UTC and Kolkata have none: they get Berlin's, as plain instants). */
const CHANGES: Record<string, readonly string[]> = {
  'America/New_York': ['2025-03-09T07:00:00Z', '2025-11-02T06:00:00Z'], // 02:00 EST → 03:00 EDT; 02:00 EDT → 01:00 EST
  'Europe/Berlin': ['2025-03-30T01:00:00Z', '2025-10-26T01:00:00Z'], // 02:00 CET → 03:00 CEST; 03:00 CEST → 02:00 CET
  'Australia/Lord_Howe': ['2025-04-05T15:00:00Z', '2025-10-04T15:30:00Z'], // half an hour: 02:00 → 01:30; 02:00 → 02:30
};

/** Two hours and a minute before each change (so sub-daily schedules cross it), and three plain days. */
function startsFor(zone: string): number[] {
  const changes = (CHANGES[zone] ?? CHANGES['Europe/Berlin']!).map(Date.parse);
  return [
    ...changes.flatMap((c) => [c - 2 * HOUR, c - 61_000]),
    Date.parse('2025-01-01T00:00:00Z'),
    Date.parse('2028-02-27T00:00:00Z'),
    Date.parse('2026-12-31T23:30:00Z'),
  ];
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();
const QUARTER = 15 * 60_000;

/**
 * The zone's UTC offset at `ms`, read from Intl's "GMT+10:30" (independent of shared/time-zone.ts).
 * Remembered per quarter hour: the zones here change offset on a quarter hour.
 */
function offsetOf(ms: number, zone: string): number {
  const key = `${zone} ${Math.floor(ms / QUARTER)}`;
  const hit = offsets.get(key);
  if (hit !== undefined) return hit;
  const offset = readOffset(Math.floor(ms / QUARTER) * QUARTER, zone);
  offsets.set(key, offset);
  return offset;
}

function readOffset(ms: number, zone: string): number {
  let f = offsetFormats.get(zone);
  if (!f) offsetFormats.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })));
  const name = f.formatToParts(ms).find((p) => p.type === 'timeZoneName')!.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * HOUR + Number(m[3]) * 60_000) : 0;
}

/**
 * README's DST rule for one wall time (written as if it were UTC): a repeated one runs at its
 * first occurrence, a skipped one shifted forward by the gap (at the offset in force before it).
 */
function instantOf(wall: number, zone: string): number {
  const before = offsetOf(wall - DAY, zone);
  const after = offsetOf(wall + DAY, zone);
  const valid = [wall - before, wall - after].filter((t) => offsetOf(t, zone) === wall - t);
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}

/** Whether `ms` falls on a local day whose offset changes (the only days the two may differ). */
function onChangeDay(ms: number, zone: string): boolean {
  const wall = ms + offsetOf(ms, zone);
  const midnight = wall - (((wall % DAY) + DAY) % DAY);
  return offsetOf(midnight - offsetOf(ms, zone) - 3 * HOUR, zone) !== offsetOf(midnight + DAY - offsetOf(ms, zone) + 3 * HOUR, zone);
}

/** cron-parser's next runs, or null where it gives up ("loop limit exceeded", in Lord Howe's half-hour DST). */
function theirRuns(expression: string, zone: string, from: number, count: number): number[] | null {
  const it = CronExpressionParser.parse(expression, { currentDate: new Date(from), tz: zone });
  try {
    return Array.from({ length: count }, () => it.next().getTime());
  } catch (err) {
    if (err instanceof Error && /loop limit exceeded/.test(err.message)) return null;
    throw err;
  }
}

/** Every wall time (as UTC ms) in [from, to] that `expression` names, read by cron-parser in UTC. */
function wallTimes(expression: string, from: number, to: number): Set<number> {
  const it = CronExpressionParser.parse(expression, { currentDate: new Date(from - 1), tz: 'UTC' });
  const out = new Set<number>();
  for (let t = it.next().getTime(); t <= to; t = it.next().getTime()) out.add(t);
  return out;
}

const withField = (expression: string, index: number, value: string): string => {
  const parts = expression.trim().split(/\s+/);
  const at = parts.length === 6 ? index + 1 : index;
  parts[at] = value;
  return parts.join(' ');
};

/** README's day rule, read from the text as crontab(5) does: a field starting with `*`, or `?`, is unrestricted. */
const unrestricted = (field: string) => field.startsWith('*') || field === '?';
const dayFields = (expression: string): [string, string] => {
  const parts = expression.trim().split(/\s+/);
  const offset = parts.length === 6 ? 1 : 0;
  return [parts[2 + offset]!, parts[4 + offset]!];
};
const SHORTHANDS: Record<string, string> = { '@weekly': '0 0 * * 0', '@monthly': '0 0 1 * *' };

/** The runs README's rules give, from cron-parser's single-day-field readings in UTC and instantOf. */
function documentedRuns(expression: string, theirSpelling: string, zone: string, from: number, until: number): number[] {
  const spelled = SHORTHANDS[theirSpelling] ?? theirSpelling;
  const [dom, dow] = dayFields(spelled);
  const either = !unrestricted(dom) && !unrestricted(dow);
  // Wall times around [from, until]: a DST change here moves a wall time by at most an hour.
  const lo = from + offsetOf(from, zone) - 65 * 60_000;
  const hi = until + offsetOf(until, zone) + 65 * 60_000;
  const byMonthDay = wallTimes(withField(spelled, 4, '*'), lo, hi);
  const byWeekday = wallTimes(withField(spelled, 2, '*'), lo, hi);
  const walls = either ? new Set([...byMonthDay, ...byWeekday]) : [...byMonthDay].filter((w) => byWeekday.has(w));
  const instants = [...new Set([...walls].map((w) => instantOf(w, zone)))].filter((t) => t > from && t <= until);
  expect(parseCron(expression)).toMatchObject({ ok: true, days: either ? 'either' : 'both' });
  return instants.sort((a, b) => a - b);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** What the in-zone comparison could not check or found different, kept so the last test can account for it. */
const ruleDiffers = new Set<string>();
const gaveUp = new Set<string>();
const dstDifferences = new Map<string, number>();

describe('cron corpus against cron-parser 5', () => {
  const cases = CORPUS.flatMap(([ours, theirs]) => ZONES.map((zone) => [ours, theirs ?? ours, zone] as const));

  it.each(cases)('%s (cron-parser: %s) in %s', (ours, theirs, zone) => {
    for (const from of startsFor(zone)) {
      const mine = nextRuns(ours, zone, new Date(from), RUNS).map((d) => d.getTime());
      expect(mine, `${ours} in ${zone} from ${iso(from)}`).toHaveLength(RUNS);
      const last = mine[RUNS - 1]!;

      // The documented rule, every case.
      expect(mine.map(iso), `${ours} in ${zone} from ${iso(from)}, README's rule`).toEqual(documentedRuns(ours, theirs, zone, from, last).map(iso));

      // cron-parser calls a stepped `*` restricted, so its day rule differs there: checked above only.
      const [dom, dow] = dayFields(SHORTHANDS[theirs] ?? theirs);
      const wildcard = (field: string) => field === '*' || field === '?';
      if ((!unrestricted(dom) && !unrestricted(dow)) !== (!wildcard(dom) && !wildcard(dow))) {
        ruleDiffers.add(ours);
        continue;
      }
      const other = theirRuns(theirs, zone, from, RUNS);
      if (other === null) {
        // Only ever in the half-hour DST zone; the documented rule above has checked this case.
        expect(zone, `cron-parser gave up on ${ours} from ${iso(from)}`).toBe('Australia/Lord_Howe');
        gaveUp.add(ours);
        continue;
      }
      const upTo = Math.min(last, other[RUNS - 1]!);
      const a = new Set(mine.filter((t) => t <= upTo));
      const b = new Set(other.filter((t) => t <= upTo));
      const differ = [...a].filter((t) => !b.has(t)).concat([...b].filter((t) => !a.has(t)));
      const unexplained = differ.filter((t) => !onChangeDay(t, zone)).map(iso);
      expect(unexplained, `${ours} in ${zone} from ${iso(from)}: ours ${[...a].map(iso)} theirs ${[...b].map(iso)}`).toEqual([]);
      if (differ.length > 0) dstDifferences.set(zone, (dstDifferences.get(zone) ?? 0) + 1);
    }
  });

  it('accounts for every case the in-zone comparison left to the documented rule', () => {
    // Exactly the stepped-`*` day fields beside a restricted one, where the day rules part ways.
    expect([...ruleDiffers].sort()).toEqual(['0 0 */2 * 1', '0 0 1-7 * */2', '15 2 */3 * 0']);
    // cron-parser's loop limit, hit in Lord Howe only (asserted per case above).
    expect(gaveUp.size).toBeGreaterThan(0);
    // The two differ on DST days in each zone that has them, and nowhere else.
    expect([...dstDifferences.keys()].sort()).toEqual(['America/New_York', 'Australia/Lord_Howe', 'Europe/Berlin']);
  });
});

describe('where cron-parser differs: DST days, and a stepped * beside a restricted day', () => {
  const ours = (e: string, zone: string, from: string, n: number) => nextRuns(e, zone, new Date(from), n).map((d) => d.toISOString());
  const theirs = (e: string, zone: string, from: string, n: number) => {
    const it = CronExpressionParser.parse(e, { currentDate: new Date(from), tz: zone });
    return Array.from({ length: n }, () => iso(it.next().getTime()));
  };

  it('a repeated hour runs once (cron-parser runs it twice)', () => {
    // New York, 2025-11-02: 01:00 happens at 05:00Z (EDT) and again at 06:00Z (EST).
    expect(ours('0 * * * *', 'America/New_York', '2025-11-02T04:00:00Z', 3)).toEqual(['2025-11-02T05:00:00.000Z', '2025-11-02T07:00:00.000Z', '2025-11-02T08:00:00.000Z']);
    expect(theirs('0 * * * *', 'America/New_York', '2025-11-02T04:00:00Z', 3)).toEqual(['2025-11-02T05:00:00.000Z', '2025-11-02T06:00:00.000Z', '2025-11-02T07:00:00.000Z']);
  });

  it('a skipped wall time runs shifted forward by the gap (cron-parser skips the day)', () => {
    // Lord Howe, 2025-10-05: 02:00 LHST (+10:30) jumps to 02:30 LHDT (+11); 02:15 runs at 02:45.
    expect(ours('15 2 * * *', 'Australia/Lord_Howe', '2025-10-04T12:00:00Z', 2)).toEqual(['2025-10-04T15:45:00.000Z', '2025-10-05T15:15:00.000Z']);
    expect(theirs('15 2 * * *', 'Australia/Lord_Howe', '2025-10-04T12:00:00Z', 2)).toEqual(['2025-10-05T15:15:00.000Z', '2025-10-06T15:15:00.000Z']);
  });

  it('cron-parser gives up on some schedules in a half-hour DST zone; ours answers', () => {
    expect(() => theirs('0 3 * * 0#1', 'Australia/Lord_Howe', '2025-01-01T00:00:00Z', 10)).toThrow('loop limit exceeded');
    // The first Sunday of February 2025 is the 2nd; Lord Howe is on summer time (+11) then.
    expect(ours('0 3 * * 0#1', 'Australia/Lord_Howe', '2025-01-01T00:00:00Z', 2)).toEqual(['2025-01-04T16:00:00.000Z', '2025-02-01T16:00:00.000Z']);
  });

  it('a stepped * beside a restricted weekday needs both (cron-parser takes either)', () => {
    expect(ours('0 0 */2 * 1', 'UTC', '2025-01-01T00:00:00Z', 2)).toEqual(['2025-01-13T00:00:00.000Z', '2025-01-27T00:00:00.000Z']);
    expect(theirs('0 0 */2 * 1', 'UTC', '2025-01-01T00:00:00Z', 3)).toEqual(['2025-01-03T00:00:00.000Z', '2025-01-05T00:00:00.000Z', '2025-01-06T00:00:00.000Z']);
  });
});
