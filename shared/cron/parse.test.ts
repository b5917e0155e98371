import { validateDetailed } from 'node-cron';
import { describe, expect, it } from 'vitest';
import { cronProblem, parseCron, type CronFields, type DayToken } from './parse.ts';

/** Field values as sorted sets, so node-cron's lists (unsorted, 7 for Sunday) compare with ours. */
function normalise(f: CronFields): Record<string, DayToken[]> {
  const norm = (values: readonly DayToken[], dow = false) => {
    const nums = [...new Set(values.filter((v): v is number => typeof v === 'number').map((v) => (dow ? v % 7 : v)))].sort((a, b) => a - b);
    const tokens = [...new Set(values.filter((v): v is string => typeof v === 'string'))].sort();
    return [...nums, ...tokens];
  };
  return {
    second: norm(f.second),
    minute: norm(f.minute),
    hour: norm(f.hour),
    dayOfMonth: norm(f.dayOfMonth),
    month: norm(f.month),
    dayOfWeek: norm(f.dayOfWeek, true),
  };
}

/** What the server accepted and scheduled before (node-cron 4), and what it refused. */
const CORPUS = [
  // accepted
  '* * * * *',
  '*/5 * * * *',
  '0 */5 * * * *',
  '0 9 * * 1-5',
  '0 9 * * mon-fri',
  '0 9 * * MON,WED,FRI',
  '0 9 * * monday',
  '0 0 1 jan,jul *',
  '0 0 1 JAN-MAR *',
  '0 0 1 january *',
  '5,10-12 3 * * *',
  '0 22-2 * * *', // wraps round midnight
  '50-10/5 * * * *',
  '0 0 * * 5-1',
  '0 0 * * 7',
  '0 0 * * 0-7',
  '0 0 * * 7-2',
  '0 0 * * */2',
  '0 0 */2 * *',
  '0 0 1 */3 *',
  '05 09 * * *',
  '0 0 ? * mon',
  '0 0 1 * ?',
  '0 0 L * *',
  '0 0 l * *',
  '0 0 L-3 * *',
  '0 0 15W * *',
  '0 0 lw * *',
  '0 0 1,L * *',
  '0 0 * * 5L',
  '0 0 * * 7L',
  '0 0 * * 5#2',
  '0 0 * * fri#3',
  '0 0 * * fril',
  '0 0 29 2 *',
  '0 0 31 * *',
  '*/90 * * * *',
  '@daily',
  '@HOURLY',
  '@yearly',
  '@weekly',
  '  0   9 * * *  ',
  // refused
  '61 * * * *',
  '* 24 * * *',
  '0 0 0 * *',
  '0 0 32 * *',
  '0 0 * 13 *',
  '0 0 * 0 *',
  '0 0 * * 8',
  '50-70 * * * *',
  '5/15 * * * *',
  '*/0 * * * *',
  '1,,2 * * * *',
  '? * * * *',
  '* * *',
  '* * * * * * *',
  'every day',
  '0 0 30 2 *',
  '0 0 31 4,6 *',
  '0 0 L-0 * *',
  '0 0 L-31 * *',
  '0 0 0W * *',
  '0 0 32W * *',
  '0 0 * * 5#6',
  '0 0 * * 5#0',
  '0 0 * * 8#1',
  '0 0 * * L',
  '0 0 L * L',
  '0 L * * *',
  '0 0 * jan-foo *',
  '0 0 * * mon-',
  '-5 * * * *',
  '1.5 * * * *',
  '0 0 5X * *',
  '@every',
  '% * * * *',
  '*/1.5 * * * *',
];

describe('the shared cron parser accepts what node-cron accepted, and reads it the same', () => {
  it.each(CORPUS)('%s', (expression) => {
    const theirs = validateDetailed(expression.trim());
    const ours = parseCron(expression);
    expect(ours.ok, ours.ok ? 'accepted' : ours.message).toBe(theirs.valid);
    if (ours.ok && theirs.valid) expect(normalise(ours.fields)).toEqual(normalise(theirs.fields as CronFields));
  });

  it('refuses on purpose two things node-cron let through', () => {
    // node-cron reads 70-10 in minutes as [10], and "jan1" as month 11: both are typos, not schedules.
    expect(validateDetailed('70-10 * * * *').valid).toBe(true);
    expect(cronProblem('70-10 * * * *')).toBe('minute 70 is out of range 0–59');
    expect(validateDetailed('0 0 1 jan1 *').valid).toBe(true);
    expect(cronProblem('0 0 1 jan1 *')).toBe('"jan1" is not a valid month');
  });
});

describe('one sentence per fault', () => {
  it.each([
    ['61 * * * *', 'minute 61 is out of range 0–59'],
    ['0 61 * * * *', 'minute 61 is out of range 0–59'],
    ['60 * * * * *', 'second 60 is out of range 0–59'],
    ['0 24 * * *', 'hour 24 is out of range 0–23'],
    ['0 0 32 * *', 'day of month 32 is out of range 1–31'],
    ['0 0 * 13 *', 'month 13 is out of range 1–12'],
    ['0 0 * * 8', 'day of week 8 is out of range 0–7'],
    ['50-70 * * * *', 'minute 70 is out of range 0–59'],
    ['0 0 * * funday', '"funday" is not a valid day of week'],
    ['5/15 * * * *', '"5/15" in the minute field: a step follows * or a range (*/15 or 5-59/15)'],
    ['*/0 * * * *', '"*/0": the step in the minute field must be a whole number of 1 or more'],
    ['1,,2 * * * *', 'the minute field has an empty list item'],
    ['* * *', 'expected 5 fields (or 6 with seconds first), got 3'],
    ['0 0 30 2 *', 'day of month 30 is impossible in February'],
    ['0 0 L-31 * *', '"L-31" in the day of month field: L-n counts back 1 to 30 days from the last'],
    ['0 0 * * 5#6', '"5#6" in the day of week field: # takes 1 to 5 (the nth such day of the month)'],
    ['% * * * *', '"%" cannot appear in a cron expression'],
    ['@every', 'unknown shortcut "@every": use @yearly, @monthly, @weekly, @daily or @hourly'],
    ['{{ trigger.cron }}', 'a schedule cannot use {{ expressions }}'],
    ['', 'a cron expression is required'],
  ])('%s → %s', (expression, message) => {
    expect(cronProblem(expression)).toBe(message);
  });

  it('finds nothing wrong with a good one', () => {
    expect(cronProblem('30 9 * * 1-5')).toBeNull();
    expect(parseCron('0 0 * * 7')).toMatchObject({ ok: true, fields: { dayOfWeek: [0] } });
  });

  it.each([
    ['0 0 1,15 * 1', 'either'],
    ['0 0 L * 5#2', 'either'],
    ['0 0 1-31 * 0-6', 'either'],
    ['0 0 * * 1', 'both'],
    ['0 0 1 * *', 'both'],
    ['0 0 ? * mon', 'both'],
    ['0 0 */2 * 1', 'both'],
    ['0 0 1 * */3', 'both'],
    ['@weekly', 'both'],
  ])('%s: the day fields combine as %s', (expression, days) => {
    expect(parseCron(expression)).toMatchObject({ ok: true, days });
  });

  it('lets a weekday rescue a day of month the month never has', () => {
    expect(cronProblem('0 0 30 2 *')).toBe('day of month 30 is impossible in February');
    expect(cronProblem('0 0 30 2 1')).toBeNull();
  });
});
