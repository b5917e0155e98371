import { describe, expect, it } from 'vitest';
import { armState, MISSED_AFTER_MS, planDue, type ScheduleConfig } from './schedule-plan.ts';

const t = (iso: string) => Date.parse(iso);
const hourly: ScheduleConfig = { expression: '0 * * * *', timezone: 'UTC', overlap: 'skip', catchUp: 'none' };

describe('armState', () => {
  it('computes the next run on first arm', () => {
    const s = armState(undefined, hourly, 1, t('2025-01-15T10:20:00Z'));
    expect(s.nextRunAt).toBe(t('2025-01-15T11:00:00Z'));
    expect(s).toMatchObject({ version: 1, skippedRuns: 0, pending: null });
  });

  it('keeps the persisted next run (even an overdue one) while cron and timezone stay the same', () => {
    const first = armState(undefined, hourly, 1, t('2025-01-15T10:20:00Z'));
    const again = armState(first, { ...hourly, overlap: 'allow' }, 2, t('2025-01-15T13:00:30Z'));
    expect(again.nextRunAt).toBe(t('2025-01-15T11:00:00Z'));
    expect(again).toMatchObject({ version: 2, overlap: 'allow' });
  });

  it('clears a lease an older version left pending (it is treated as handled)', () => {
    const first = armState(undefined, hourly, 1, t('2025-01-15T10:20:00Z'));
    const old = { ...first, pending: { slot: t('2025-01-15T10:00:00Z'), firedAt: t('2025-01-15T10:00:00.010Z') } };
    expect(armState(old, hourly, 1, t('2025-01-15T10:21:00Z'))).toEqual({ ...first, pending: null });
  });

  it('moves a future persisted next run earlier when the cron now names an earlier slot (the day-field change)', () => {
    // Saved while day of month AND day of week had to match: next run the Friday the 13th of June 2025.
    const cfg: ScheduleConfig = { ...hourly, expression: '0 0 13 * fri' };
    const saved = { ...armState(undefined, cfg, 1, t('2025-01-01T00:00:00Z')), nextRunAt: t('2025-06-13T00:00:00Z') };
    // Either day now: the next Friday, the 3rd of January.
    expect(armState(saved, cfg, 1, t('2025-01-01T12:00:00Z')).nextRunAt).toBe(t('2025-01-03T00:00:00Z'));
    // An overdue one is kept for catch-up, and one the cron agrees with is unchanged.
    const overdue = { ...saved, nextRunAt: t('2024-12-27T00:00:00Z') };
    expect(armState(overdue, cfg, 1, t('2025-01-01T12:00:00Z')).nextRunAt).toBe(t('2024-12-27T00:00:00Z'));
    const first = armState(undefined, hourly, 1, t('2025-01-15T10:20:00Z'));
    expect(armState(first, hourly, 2, t('2025-01-15T10:40:00Z')).nextRunAt).toBe(t('2025-01-15T11:00:00Z'));
  });

  it('recomputes when the cron or the timezone changes', () => {
    const first = armState(undefined, hourly, 1, t('2025-01-15T10:20:00Z'));
    const moved = armState(first, { ...hourly, expression: '0 9 * * *', timezone: 'Europe/Paris' }, 2, t('2025-01-15T10:20:00Z'));
    expect(moved.nextRunAt).toBe(t('2025-01-16T08:00:00Z'));
  });
});

describe('planDue', () => {
  const base = armState(undefined, hourly, 1, t('2025-01-15T10:20:00Z'));

  it('is not due before the next run', () => {
    expect(planDue(base, t('2025-01-15T10:59:59Z'), false)).toBeNull();
  });

  it('fires the slot on time and moves to the next one, with no lease left pending', () => {
    const plan = planDue(base, t('2025-01-15T11:00:00.004Z'), false)!;
    expect(plan.action).toBe('fire');
    expect(plan.slot).toBe(t('2025-01-15T11:00:00Z'));
    expect(plan.next.nextRunAt).toBe(t('2025-01-15T12:00:00Z'));
    expect(plan.next).toMatchObject({ pending: null, lastScheduledAt: plan.slot, lastFiredAt: t('2025-01-15T11:00:00.004Z') });
  });

  it('skips (and counts) when the previous run is unfinished and overlap is skip', () => {
    const plan = planDue(base, t('2025-01-15T11:00:00Z'), true)!;
    expect(plan.action).toBe('skip');
    expect(plan.next).toMatchObject({ skippedRuns: 1, lastSkippedAt: t('2025-01-15T11:00:00Z'), pending: null });
    expect(planDue({ ...base, overlap: 'allow' }, t('2025-01-15T11:00:00Z'), true)!.action).toBe('fire');
  });

  it('catchUp none: a slot more than a minute late is missed, not run', () => {
    const now = t('2025-01-15T13:30:00Z');
    const plan = planDue(base, now, false)!;
    expect(plan.action).toBe('miss');
    expect(plan.slot).toBe(t('2025-01-15T13:00:00Z'));
    expect(plan.next.missedRuns).toBe(3); // 11:00, 12:00, 13:00
    expect(plan.next.lastMissedAt).toBe(t('2025-01-15T13:00:00Z'));
    expect(plan.next.nextRunAt).toBe(t('2025-01-15T14:00:00Z'));
  });

  it('catchUp last: runs the most recent missed slot once', () => {
    const plan = planDue({ ...base, catchUp: 'last' }, t('2025-01-15T13:30:00Z'), false)!;
    expect(plan.action).toBe('fire');
    expect(plan.slot).toBe(t('2025-01-15T13:00:00Z'));
    expect(plan.next.missedRuns).toBe(2);
    expect(plan.next.lastMissedAt).toBe(t('2025-01-15T12:00:00Z'));
  });

  it('a slot late by less than a minute still fires under catchUp none', () => {
    const plan = planDue(base, t('2025-01-15T11:00:00Z') + MISSED_AFTER_MS - 1, false)!;
    expect(plan.action).toBe('fire');
  });

  describe('a pass that comes late finds several slots due', () => {
    const everySecond: ScheduleConfig = { expression: '* * * * * *', timezone: 'UTC', overlap: 'allow', catchUp: 'none' };
    const at = (ms: number) => t('2025-01-15T11:00:00Z') + ms;
    const armed = (cfg: ScheduleConfig) => armState(undefined, cfg, 1, at(-500)); // next run: 11:00:00

    it('overlap allow: every slot less than a minute late runs, oldest first, none counted missed', () => {
      const plan = planDue(armed(everySecond), at(2_300), false)!;
      expect(plan.action).toBe('fire');
      expect([...plan.earlier, plan.slot]).toEqual([at(0), at(1_000), at(2_000)]);
      expect(plan.next).toMatchObject({ nextRunAt: at(3_000), lastScheduledAt: at(2_000), missedRuns: 0, skippedRuns: 0 });
    });

    it('overlap allow: slots older than a minute are missed, the minute before now still runs', () => {
      const plan = planDue(armed(everySecond), at(90_000), false)!;
      expect(plan.slot).toBe(at(90_000));
      expect(plan.earlier[0]).toBe(at(30_000));
      expect(plan.earlier).toHaveLength(60);
      expect(plan.next).toMatchObject({ missedRuns: 30, lastMissedAt: at(29_000), nextRunAt: at(91_000) });
    });

    it('overlap skip: only the latest runs; the older on-time slots would overlap it and are counted skipped', () => {
      const plan = planDue(armed({ ...everySecond, overlap: 'skip' }), at(2_300), false)!;
      expect(plan.action).toBe('fire');
      expect(plan.slot).toBe(at(2_000));
      expect(plan.earlier).toEqual([]);
      expect(plan.next).toMatchObject({ skippedRuns: 2, lastSkippedAt: at(1_000), missedRuns: 0 });
      const busy = planDue(armed({ ...everySecond, overlap: 'skip' }), at(2_300), true)!;
      expect(busy.action).toBe('skip');
      expect(busy.next).toMatchObject({ skippedRuns: 3, lastSkippedAt: at(2_000), missedRuns: 0 });
    });
  });
});
