import { describe, expect, it } from 'vitest';
import { nextRuns, parseCron } from './cron.ts';

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe('cron next runs', () => {
  it('every five minutes in UTC', () => {
    const runs = nextRuns('*/5 * * * *', 'UTC', new Date('2025-01-01T10:02:30Z'), 3);
    expect(iso(runs)).toEqual(['2025-01-01T10:05:00.000Z', '2025-01-01T10:10:00.000Z', '2025-01-01T10:15:00.000Z']);
  });

  it('weekdays at 9:00 in New York, across a weekend', () => {
    const runs = nextRuns('0 9 * * mon-fri', 'America/New_York', new Date('2025-01-03T15:00:00Z'), 2);
    expect(iso(runs)).toEqual(['2025-01-06T14:00:00.000Z', '2025-01-07T14:00:00.000Z']);
  });

  it('handles six fields with seconds', () => {
    const runs = nextRuns('*/20 * * * * *', 'UTC', new Date('2025-01-01T00:00:05Z'), 3);
    expect(iso(runs)).toEqual(['2025-01-01T00:00:20.000Z', '2025-01-01T00:00:40.000Z', '2025-01-01T00:01:00.000Z']);
  });

  it('yearly schedules finish quickly', () => {
    const runs = nextRuns('0 0 29 2 *', 'UTC', new Date('2025-01-01T00:00:00Z'), 2);
    expect(iso(runs)).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
  });

  it('shifts a wall time inside a DST gap forward by the gap, as the server fires it', () => {
    // 2025-03-30 02:30 does not exist in Europe/Berlin: it runs at 03:30 CEST (01:30Z).
    const runs = nextRuns('30 2 * * *', 'Europe/Berlin', new Date('2025-03-29T12:00:00Z'), 2);
    expect(iso(runs)).toEqual(['2025-03-30T01:30:00.000Z', '2025-03-31T00:30:00.000Z']);
  });

  it('treats 7 as Sunday and reports bad input', () => {
    expect([...parseCron('0 0 * * 7').daysOfWeek]).toEqual([0]);
    expect(() => parseCron('* * *')).toThrow(/5 fields/);
    expect(() => parseCron('61 * * * *')).toThrow(/out of range/);
  });
});
