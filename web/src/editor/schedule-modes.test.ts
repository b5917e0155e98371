import { describe, expect, it } from 'vitest';
import { cronProblem } from '#shared/cron/parse.ts';
import { cronOf, modeOf, parseTime, switchTo, timeText, type ScheduleMode } from './schedule-modes.ts';

describe('cron → mode', () => {
  it.each<[string, ScheduleMode]>([
    ['*/5 * * * *', { kind: 'minutes', every: 5 }],
    ['* * * * *', { kind: 'minutes', every: 1 }],
    ['0 */3 * * *', { kind: 'hours', every: 3 }],
    ['0 * * * *', { kind: 'hours', every: 1 }],
    ['30 9 * * *', { kind: 'daily', hour: 9, minute: 30 }],
    ['00 07 * * *', { kind: 'daily', hour: 7, minute: 0 }],
    ['0 9 * * 1-5', { kind: 'weekly', days: [1, 2, 3, 4, 5], hour: 9, minute: 0 }],
    ['15 18 * * mon,wed,FRI', { kind: 'weekly', days: [1, 3, 5], hour: 18, minute: 15 }],
    ['0 8 * * 7', { kind: 'weekly', days: [0], hour: 8, minute: 0 }],
  ])('%s', (cron, mode) => {
    expect(modeOf(cron)).toEqual(mode);
  });

  it.each(['', '0 9 1 * *', '0 9 * 1 *', '30 */2 * * *', '*/5 9 * * *', '0 9 * * 5L', '0 9 * * 1#2', '0 0 9 * * *', '61 9 * * *', '*/60 * * * *', '0 9-17 * * *', 'nonsense'])(
    '%s stays a cron',
    (cron) => {
      expect(modeOf(cron)).toEqual({ kind: 'cron' });
    },
  );
});

describe('mode → cron', () => {
  it('writes the crons the issue names, and each reads back as its mode', () => {
    const modes: ScheduleMode[] = [
      { kind: 'minutes', every: 10 },
      { kind: 'minutes', every: 1 },
      { kind: 'hours', every: 6 },
      { kind: 'hours', every: 1 },
      { kind: 'daily', hour: 9, minute: 30 },
      { kind: 'weekly', days: [1, 2, 3, 4, 5], hour: 8, minute: 5 },
      { kind: 'weekly', days: [0, 6], hour: 10, minute: 0 },
      { kind: 'weekly', days: [1, 3, 5], hour: 0, minute: 0 },
    ];
    for (const mode of modes) {
      if (mode.kind === 'cron') continue;
      const cron = cronOf(mode);
      expect(cronProblem(cron), cron).toBeNull();
      expect(modeOf(cron)).toEqual(mode);
    }
    expect(cronOf({ kind: 'daily', hour: 9, minute: 30 })).toBe('30 9 * * *');
    expect(cronOf({ kind: 'minutes', every: 10 })).toBe('*/10 * * * *');
    expect(cronOf({ kind: 'hours', every: 6 })).toBe('0 */6 * * *');
    expect(cronOf({ kind: 'weekly', days: [5, 1, 2, 3, 4], hour: 8, minute: 5 })).toBe('5 8 * * 1-5');
    expect(cronOf({ kind: 'weekly', days: [0, 6], hour: 10, minute: 0 })).toBe('0 10 * * 0,6');
  });

  it('keeps the time of day and the days when switching modes', () => {
    const weekly = modeOf('45 7 * * 2,4');
    expect(switchTo('daily', weekly)).toBe('45 7 * * *');
    expect(switchTo('weekly', modeOf('45 7 * * *'))).toBe('45 7 * * 1-5');
    expect(switchTo('minutes', { kind: 'cron' })).toBe('*/15 * * * *');
    expect(switchTo('hours', modeOf('*/5 * * * *'))).toBe('0 * * * *');
    expect(switchTo('daily', { kind: 'cron' })).toBe('0 9 * * *');
  });

  it('reads and writes a time field', () => {
    expect(timeText(9, 5)).toBe('09:05');
    expect(parseTime('09:30')).toEqual({ hour: 9, minute: 30 });
    expect(parseTime('24:00')).toBeNull();
    expect(parseTime('')).toBeNull();
  });
});
