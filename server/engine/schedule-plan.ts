/**
 * A schedule's persisted state and the pure decisions over it: where the next run lands after
 * (re)arming, and what a due slot becomes — fired, skipped for overlap, or missed (catch-up).
 */
import { compileCron } from '#shared/cron/schedule.ts';

export type ScheduleConfig = { expression: string; timezone: string; overlap: 'skip' | 'allow'; catchUp: 'none' | 'last' };

/**
 * Everything a process needs to fire the schedule lives here, so another process sharing the
 * database acts on the same cron, timezone and workflow version after any compare-and-set it loses.
 */
export type ScheduleState = {
  kind: 'schedule';
  version: number;
  cron: string;
  timezone: string;
  overlap: 'skip' | 'allow';
  catchUp: 'none' | 'last';
  nextRunAt: number | null;
  /**
   * Always null now: a pass writes the next state and starts the slot's execution in one
   * transaction, so there is no lease to confirm. Versions before that left a lease here between
   * the two writes; such a leftover is still parsed, and cleared (as handled) at the next arm.
   */
  pending: { slot: number; firedAt: number } | null;
  lastScheduledAt: number | null;
  lastFiredAt: number | null;
  skippedRuns: number;
  lastSkippedAt: number | null;
  missedRuns: number;
  lastMissedAt: number | null;
};

/**
 * A slot processed more than this late counts as missed (the server was down, asleep or starved):
 * `catchUp` decides whether it still runs. Later than that, "run at 09:00" is no longer true.
 */
export const MISSED_AFTER_MS = 60_000;
/** Counting missed slots stops here (an every-second schedule down for a week). */
const COUNT_CAP = 100_000;

const earliest = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

export function parseScheduleState(json: string): ScheduleState | undefined {
  try {
    const s = JSON.parse(json) as Partial<ScheduleState> | null;
    return s && s.kind === 'schedule' && typeof s.cron === 'string' ? (s as ScheduleState) : undefined;
  } catch {
    // A corrupt row is treated as absent: re-arming writes a fresh state over it (by compare-and-set).
    return undefined;
  }
}

/**
 * State after (re)arming. The persisted next run survives restarts and edits that keep the cron and
 * timezone, so a due or overdue slot is still handled (by catch-up) rather than silently dropped.
 * A persisted next run still in the future gives way to an earlier slot the cron now names: one
 * saved before the day fields combined as crontab's "either" (`0 0 13 * fri` waiting for a Friday
 * the 13th) runs next Friday, as the editor shows. Otherwise the two are the same slot.
 */
export function armState(prev: ScheduleState | undefined, cfg: ScheduleConfig, version: number, now: number): ScheduleState {
  const sameTiming = prev !== undefined && prev.cron === cfg.expression && prev.timezone === cfg.timezone;
  const fresh = (): number | null => compileCron(cfg.expression, cfg.timezone).next(now);
  const nextRunAt = !sameTiming ? fresh() : prev.nextRunAt !== null && prev.nextRunAt <= now ? prev.nextRunAt : earliest(prev.nextRunAt, fresh());
  return {
    kind: 'schedule',
    version,
    cron: cfg.expression,
    timezone: cfg.timezone,
    overlap: cfg.overlap,
    catchUp: cfg.catchUp,
    nextRunAt,
    pending: null,
    lastScheduledAt: prev?.lastScheduledAt ?? null,
    lastFiredAt: prev?.lastFiredAt ?? null,
    skippedRuns: prev?.skippedRuns ?? 0,
    lastSkippedAt: prev?.lastSkippedAt ?? null,
    missedRuns: prev?.missedRuns ?? 0,
    lastMissedAt: prev?.lastMissedAt ?? null,
  };
}

/**
 * `slot` is the latest due slot, and what `action` does to it. `earlier`: older due slots that
 * fire in the same pass (overlap allow, each handled less than MISSED_AFTER_MS late), oldest first.
 */
export type DuePlan = { action: 'fire' | 'skip' | 'miss'; slot: number; earlier: number[]; next: ScheduleState };

/**
 * What to do with a schedule whose next run is due at `now` (`busy`: the workflow has a run
 * unfinished). A pass that comes late (a slow pass before it, a starved process) finds several
 * slots due. Those less than MISSED_AFTER_MS late are on time, as a scheduler's misfire threshold
 * means it: with overlap allow each of them runs (a minute of slots at most, so no unbounded
 * burst); with overlap skip only the latest runs and the older ones are counted skipped, since
 * they would run on top of it. Slots later than that are missed, and `catchUp` decides whether the
 * latest one still runs when nothing on time is due.
 */
export function planDue(state: ScheduleState, now: number, busy: boolean): DuePlan | null {
  const due = state.nextRunAt;
  if (due === null || due > now) return null;
  const cron = compileCron(state.cron, state.timezone);
  // The common case, one slot due: its successor is already the next run (one calendar walk, not three).
  const after = cron.next(due);
  const onlyOne = after === null || after > now;
  const slot = onlyOne ? due : (cron.latest(due, now) ?? due);
  const nextRunAt = onlyOne ? after : cron.next(Math.max(now, slot));
  const late = now - slot > MISSED_AFTER_MS;
  // Due slots older than `slot` still on time, oldest first (at most a minute of them).
  const onTime: number[] = [];
  if (!onlyOne && !late) {
    const from = Math.max(due, now - MISSED_AFTER_MS);
    for (let t: number | null = from === due ? due : cron.next(from - 1); t !== null && t < slot; t = cron.next(t)) onTime.push(t);
  }
  const firstOnTime = onTime[0] ?? slot;
  let missed = 0;
  let lastMissedAt = state.lastMissedAt;
  if (firstOnTime > due) {
    missed = 1 + cron.countBetween(due, firstOnTime, COUNT_CAP);
    lastMissedAt = cron.latest(due, firstOnTime - 1) ?? due;
  }
  let action: DuePlan['action'] = late && state.catchUp === 'none' ? 'miss' : 'fire';
  if (action === 'fire' && busy && state.overlap === 'skip') action = 'skip';
  const earlier = action === 'fire' && state.overlap === 'allow' ? onTime : [];

  const next: ScheduleState = { ...state, nextRunAt, pending: null, missedRuns: state.missedRuns + missed, lastMissedAt };
  if (onTime.length > 0 && earlier.length === 0) {
    next.skippedRuns = state.skippedRuns + onTime.length;
    next.lastSkippedAt = onTime[onTime.length - 1]!;
  }
  if (action === 'fire') {
    next.lastScheduledAt = slot;
    next.lastFiredAt = now;
  } else if (action === 'skip') {
    next.skippedRuns = next.skippedRuns + 1;
    next.lastSkippedAt = slot;
  } else {
    next.missedRuns += 1;
    next.lastMissedAt = slot;
  }
  return { action, slot, earlier, next };
}
