import { createTask } from 'node-cron';
import { describe, expect, it } from 'vitest';
import { isValidTimeZone } from '../time-zone.ts';
import { cronProblem } from './parse.ts';
import { compileCron, nextRuns } from './schedule.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function runs(expr: string, tz: string, fromIso: string, n: number): (string | null)[] {
  const c = compileCron(expr, tz);
  const out: (string | null)[] = [];
  let t: number | null = at(fromIso);
  for (let i = 0; i < n && t !== null; i++) {
    t = c.next(t);
    out.push(iso(t));
  }
  return out;
}

describe('cron next run', () => {
  it('supports 5 fields with steps', () => {
    expect(runs('*/15 * * * *', 'UTC', '2025-01-15T10:07:30Z', 3)).toEqual(['2025-01-15T10:15:00.000Z', '2025-01-15T10:30:00.000Z', '2025-01-15T10:45:00.000Z']);
  });

  it('supports 6 fields with seconds first, strictly after the given time', () => {
    expect(runs('*/20 * * * * *', 'UTC', '2025-01-15T10:00:00Z', 3)).toEqual(['2025-01-15T10:00:20.000Z', '2025-01-15T10:00:40.000Z', '2025-01-15T10:01:00.000Z']);
    expect(runs('* * * * * *', 'UTC', '2025-01-15T10:00:00.400Z', 1)).toEqual(['2025-01-15T10:00:01.000Z']);
  });

  it('supports lists, ranges and day and month names', () => {
    // 2025-01-17 is a Friday: the next weekday 09:00 is Monday the 20th.
    expect(runs('0 9 * * mon-fri', 'UTC', '2025-01-17T09:00:00Z', 2)).toEqual(['2025-01-20T09:00:00.000Z', '2025-01-21T09:00:00.000Z']);
    expect(runs('0 0 1 jan,jul *', 'UTC', '2025-02-01T00:00:00Z', 2)).toEqual(['2025-07-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    expect(runs('5,10-12 3 * * *', 'UTC', '2025-01-01T00:00:00Z', 4)).toEqual([
      '2025-01-01T03:05:00.000Z',
      '2025-01-01T03:10:00.000Z',
      '2025-01-01T03:11:00.000Z',
      '2025-01-01T03:12:00.000Z',
    ]);
    expect(runs('@daily', 'UTC', '2025-01-01T00:00:00Z', 1)).toEqual(['2025-01-02T00:00:00.000Z']);
  });

  it('runs on either day when both day fields are restricted, as crontab does', () => {
    // January 2025: Mondays are the 6th, 13th, 20th, 27th.
    expect(runs('0 0 1,15 * 1', 'UTC', '2024-12-31T12:00:00Z', 7)).toEqual([
      '2025-01-01T00:00:00.000Z',
      '2025-01-06T00:00:00.000Z',
      '2025-01-13T00:00:00.000Z',
      '2025-01-15T00:00:00.000Z',
      '2025-01-20T00:00:00.000Z',
      '2025-01-27T00:00:00.000Z',
      '2025-02-01T00:00:00.000Z',
    ]);
    // The 13th or any Friday (node-cron, and this scheduler before, waited for a Friday the 13th).
    expect(runs('0 0 13 * fri', 'UTC', '2025-01-01T00:00:00Z', 3)).toEqual(['2025-01-03T00:00:00.000Z', '2025-01-10T00:00:00.000Z', '2025-01-13T00:00:00.000Z']);
    // Quartz tokens count as restricted too: the last day of the month, or the second Friday.
    expect(runs('0 0 L * 5#2', 'UTC', '2025-01-01T00:00:00Z', 3)).toEqual(['2025-01-10T00:00:00.000Z', '2025-01-31T00:00:00.000Z', '2025-02-14T00:00:00.000Z']);
    // 15W in March 2025 is Friday the 14th; or any Sunday.
    expect(runs('0 0 15W * 0', 'UTC', '2025-03-08T00:00:00Z', 3)).toEqual(['2025-03-09T00:00:00.000Z', '2025-03-14T00:00:00.000Z', '2025-03-16T00:00:00.000Z']);
    // A day that never comes in the month does not stop the weekday: Mondays of February.
    expect(runs('0 0 30 2 1', 'UTC', '2025-01-01T00:00:00Z', 2)).toEqual(['2025-02-03T00:00:00.000Z', '2025-02-10T00:00:00.000Z']);
  });

  it('needs both when either day field is unrestricted, a stepped * included (Vixie cron)', () => {
    expect(runs('0 0 * * 1', 'UTC', '2025-01-01T00:00:00Z', 2)).toEqual(['2025-01-06T00:00:00.000Z', '2025-01-13T00:00:00.000Z']);
    expect(runs('0 0 1 * *', 'UTC', '2025-01-01T00:00:00Z', 2)).toEqual(['2025-02-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z']);
    expect(runs('0 0 1 * ?', 'UTC', '2025-01-01T00:00:00Z', 1)).toEqual(['2025-02-01T00:00:00.000Z']);
    // Odd-dated Mondays only: not the 6th or 20th of January.
    expect(runs('0 0 */2 * 1', 'UTC', '2025-01-01T00:00:00Z', 4)).toEqual([
      '2025-01-13T00:00:00.000Z',
      '2025-01-27T00:00:00.000Z',
      '2025-02-03T00:00:00.000Z',
      '2025-02-17T00:00:00.000Z',
    ]);
    // The 1st to 7th that are also Tuesday/Thursday/Saturday (every second weekday from Sunday is 0,2,4,6).
    expect(runs('0 0 1-7 * */2', 'UTC', '2025-01-01T00:00:00Z', 4)).toEqual([
      '2025-01-02T00:00:00.000Z',
      '2025-01-04T00:00:00.000Z',
      '2025-01-05T00:00:00.000Z',
      '2025-01-07T00:00:00.000Z',
    ]);
  });

  it('supports L, W and # tokens', () => {
    expect(runs('0 0 L * *', 'UTC', '2025-02-01T00:00:00Z', 2)).toEqual(['2025-02-28T00:00:00.000Z', '2025-03-31T00:00:00.000Z']);
    // Second Friday of March 2025 is the 14th; the last Friday is the 28th.
    expect(runs('0 0 * * 5#2', 'UTC', '2025-03-01T00:00:00Z', 1)).toEqual(['2025-03-14T00:00:00.000Z']);
    expect(runs('0 0 * * 5L', 'UTC', '2025-03-01T00:00:00Z', 1)).toEqual(['2025-03-28T00:00:00.000Z']);
    // 2025-03-15 is a Saturday: the nearest weekday is Friday the 14th.
    expect(runs('0 0 15W * *', 'UTC', '2025-03-01T00:00:00Z', 1)).toEqual(['2025-03-14T00:00:00.000Z']);
  });

  it('moves with the timezone', () => {
    expect(runs('0 9 * * *', 'America/New_York', '2025-01-15T12:00:00Z', 1)).toEqual(['2025-01-15T14:00:00.000Z']);
    expect(runs('0 9 * * *', 'Europe/Paris', '2025-01-15T12:00:00Z', 1)).toEqual(['2025-01-16T08:00:00.000Z']);
    expect(runs('0 9 * * *', 'Asia/Kolkata', '2025-01-15T12:00:00Z', 1)).toEqual(['2025-01-16T03:30:00.000Z']);
    // Summer time moves the UTC instant, not the wall time.
    expect(runs('0 9 * * *', 'Europe/Paris', '2025-07-15T12:00:00Z', 1)).toEqual(['2025-07-16T07:00:00.000Z']);
  });

  it('runs a skipped wall time once, shifted forward by the gap (spring forward)', () => {
    // New York, 2025-03-09: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist that day.
    expect(runs('30 2 * * *', 'America/New_York', '2025-03-08T12:00:00Z', 3)).toEqual([
      '2025-03-09T07:30:00.000Z', // 03:30 EDT
      '2025-03-10T06:30:00.000Z',
      '2025-03-11T06:30:00.000Z',
    ]);
    const half = runs('0,30 * * * *', 'America/New_York', '2025-03-09T06:00:00Z', 4);
    // 01:30 EST, then 02:00/02:30 (skipped) collapse onto 03:00/03:30 EDT without a duplicate.
    expect(half).toEqual(['2025-03-09T06:30:00.000Z', '2025-03-09T07:00:00.000Z', '2025-03-09T07:30:00.000Z', '2025-03-09T08:00:00.000Z']);
  });

  it('runs a repeated wall time once, at its first occurrence (fall back)', () => {
    // New York, 2025-11-02: 01:00–01:59 happens twice (EDT, then EST).
    expect(runs('30 1 * * *', 'America/New_York', '2025-11-01T12:00:00Z', 2)).toEqual(['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z']);
  });

  it('agrees with node-cron on the next runs from now', () => {
    const cases: [string, string][] = [
      ['*/7 * * * *', 'UTC'],
      ['0 9 * * mon-fri', 'America/New_York'],
      ['15 */3 * * *', 'Europe/Paris'],
      ['0 0 1,15 * *', 'Asia/Tokyo'],
      ['30 * * * * *', 'Australia/Sydney'],
    ];
    for (const [expr, tz] of cases) {
      const task = createTask(expr, () => {}, { timezone: tz });
      const theirs = task.getNextRuns(5).map((d) => d.toISOString());
      task.destroy();
      const from = Date.now();
      const c = compileCron(expr, tz);
      const ours: string[] = [];
      let t = from;
      for (let i = 0; i < 5; i++) ours.push(new Date((t = c.next(t)!)).toISOString());
      expect(ours, `${expr} in ${tz}`).toEqual(theirs);
    }
  });
});

describe('latest slot and counting', () => {
  it('finds the most recent slot in a range', () => {
    const c = compileCron('*/5 * * * *', 'UTC');
    expect(iso(c.latest(at('2025-01-15T09:00:00Z'), at('2025-01-15T10:07:00Z')))).toBe('2025-01-15T10:05:00.000Z');
    expect(iso(c.latest(at('2025-01-15T10:05:00Z'), at('2025-01-15T10:05:00Z')))).toBe('2025-01-15T10:05:00.000Z');
    expect(c.latest(at('2025-01-15T10:06:00Z'), at('2025-01-15T10:09:59Z'))).toBeNull();
  });

  it('stays cheap after long downtime on a dense schedule and on a sparse one', () => {
    const everySecond = compileCron('* * * * * *', 'UTC');
    expect(iso(everySecond.latest(at('2025-01-01T00:00:00Z'), at('2025-01-08T12:34:56.789Z')))).toBe('2025-01-08T12:34:56.000Z');
    const yearly = compileCron('0 0 1 1 *', 'Europe/Berlin');
    expect(iso(yearly.latest(at('2020-06-01T00:00:00Z'), at('2025-06-01T00:00:00Z')))).toBe('2024-12-31T23:00:00.000Z');
  });

  it('counts slots between two times, up to a cap', () => {
    const c = compileCron('* * * * *', 'UTC');
    expect(c.countBetween(at('2025-01-15T10:00:00Z'), at('2025-01-15T10:05:00Z'), 100)).toBe(4);
    expect(c.countBetween(at('2025-01-15T10:00:00Z'), at('2025-01-16T10:00:00Z'), 100)).toBe(100);
  });
});

describe('validation', () => {
  it('accepts 5 or 6 fields and names the problem otherwise', () => {
    expect(cronProblem('*/5 * * * *')).toBeNull();
    expect(cronProblem('0 */5 * * * *')).toBeNull();
    expect(cronProblem('* * *')).toMatch(/5 fields/);
    expect(cronProblem('* * * * * * *')).toMatch(/got 7/);
    expect(cronProblem('61 * * * *')).toMatch(/minute/);
    expect(cronProblem('0 0 30 2 *')).toMatch(/impossible/);
    expect(cronProblem('every day')).not.toBeNull();
    expect(() => compileCron('nope', 'UTC')).toThrow();
  });

  it('knows IANA timezones', () => {
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('nextRuns (the editor\'s preview)', () => {
  const isoAll = (ds: Date[]) => ds.map((d) => d.toISOString());

  it('weekdays at 9:00 in New York, across a weekend', () => {
    expect(isoAll(nextRuns('0 9 * * mon-fri', 'America/New_York', new Date('2025-01-03T15:00:00Z'), 2))).toEqual(['2025-01-06T14:00:00.000Z', '2025-01-07T14:00:00.000Z']);
  });

  it('finishes quickly on a leap-day schedule', () => {
    expect(isoAll(nextRuns('0 0 29 2 *', 'UTC', new Date('2025-01-01T00:00:00Z'), 2))).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
  });

  it('shifts a wall time inside a DST gap forward by the gap, as the server fires it', () => {
    // 2025-03-30 02:30 does not exist in Europe/Berlin: it runs at 03:30 CEST (01:30Z).
    expect(isoAll(nextRuns('30 2 * * *', 'Europe/Berlin', new Date('2025-03-29T12:00:00Z'), 2))).toEqual(['2025-03-30T01:30:00.000Z', '2025-03-31T00:30:00.000Z']);
  });

  it('refuses a bad cron or timezone with the parser\'s wording', () => {
    expect(() => nextRuns('61 * * * *', 'UTC', new Date(), 1)).toThrow('minute 61 is out of range 0–59');
    expect(() => nextRuns('* * * * *', 'Moon/Base', new Date(), 1)).toThrow('unknown timezone "Moon/Base": use an IANA name such as Europe/Paris');
  });
});
