/**
 * The `schedule` trigger kind: one timer over every schedule's persisted next run (a min-heap);
 * each pass moves every due schedule's state on by compare-and-set and starts the won slots in the
 * same transaction (`startPass`), with catch-up and overlap skipping. The cron is parsed and
 * checked by shared/cron (the same code the editor previews with, and the graph validation runs at
 * activation); see README "Schedules" for the measurements.
 *
 * Exactly once never depends on which process runs the timers: a lost compare-and-set starts
 * nothing, and a slot's idempotency key (token per schedule, key = the slot) is unique in the
 * database, so even two passes that both won one slot start it once. Leadership (`lead`/`follow`)
 * only decides who does the work.
 */
import type { Kysely } from 'kysely';
import { compileCron } from '#shared/cron/schedule.ts';
import { findTrigger, getNodeDefinition } from '#shared/nodes/registry.ts';
import type { WorkflowNode } from '#shared/workflow.ts';
import type { Schema } from '../db/schema.ts';
import type { Dialect } from '../db/store.ts';
import { createTriggerStateRepo, stateKey, type StateRow, type StateSwap } from '../db/repos/trigger-state.repo.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import { iso, type Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { StartPassFn, StartRequest } from './start.ts';
import type { TriggerKind } from './activator.ts';
import type { Leadership } from './triggers.ts';
import { createMinHeap } from './min-heap.ts';
import { armState, parseScheduleState, planDue, type ScheduleConfig, type ScheduleState } from './schedule-plan.ts';

export type SchedulerDeps = {
  db: Kysely<Schema>;
  /** Which SQL the compare-and-set of an arm speaks (default sqlite). */
  dialect?: Dialect;
  clock: Clock;
  logger: Logger;
  /** execution.service `startPass`: a pass's compare-and-sets and the starts of its won slots, one transaction. */
  startPass: StartPassFn;
  /** Whether the workflow has a queued or running execution (overlap: skip). */
  hasUnfinished(workflowId: string): Promise<boolean>;
  /** Longest single sleep; the periodic re-check bounds the effect of a wall-clock jump. */
  maxSleepMs?: number;
  /** Start as the process that runs the timers (default; SQLite has one process). */
  leading?: boolean;
  /** Told of each slot started, `lagMs` after its scheduled time (metrics). */
  onFired?(lagMs: number): void;
};

/** After a failed pass (database away), its schedules are retried after this, doubling per failure. */
const RETRY_MS = 1000;

type Entry = { key: string; workflowId: string; nodeId: string; json: string; state: ScheduleState; gen: number };
type Plan = { e: Entry; slot: number; earlier: number[]; action: 'fire' | 'skip' | 'miss'; next: ScheduleState; json: string };

/** The schedule settings of a trigger node, parsed by its own definition. */
export function scheduleConfigOf(node: WorkflowNode): ScheduleConfig {
  const def = getNodeDefinition(node.type);
  if (!def || def.kind !== 'trigger' || def.activation.kind !== 'schedule') throw new Error(`${node.type} is not a schedule trigger`);
  return def.activation.cron(def.config.parse(node.config));
}

/** The workflow's trigger node (the first one, as the activator picks it) when it is a schedule. */
function scheduleNodeOf(wf: WorkflowRecord): WorkflowNode | undefined {
  const node = findTrigger(wf.nodes);
  const def = node && getNodeDefinition(node.type);
  return def?.kind === 'trigger' && def.activation.kind === 'schedule' ? node : undefined;
}

/** The slot's dedupe record: (token, key) is the primary key of idempotency_keys, so one slot starts once. */
export const slotIdempotency = (workflowId: string, nodeId: string, slot: number) => ({ token: `schedule:${workflowId}:${nodeId}`, key: String(slot), since: 0 });

export function createScheduler(deps: SchedulerDeps): TriggerKind & Leadership & { stats(): { armed: number; heap: number; leading: boolean } } {
  const { clock, logger } = deps;
  const log = logger.child({ component: 'scheduler' });
  const repo = createTriggerStateRepo(deps.db, deps.dialect);
  const maxSleepMs = deps.maxSleepMs ?? 30_000;
  const entries = new Map<string, Entry>();
  const heap = createMinHeap<{ entry: Entry; gen: number }>();
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let stopped = false;
  let leading = deps.leading ?? true;
  let failedPasses = 0;

  // Arming, disarming and firing take turns: a deactivation never races a pass it would undo.
  let chain: Promise<unknown> = Promise.resolve();
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn);
    chain = run.catch(() => undefined);
    return run;
  }

  /** Queues the entry at its next run (or at `at`, a retry); older heap items for it turn stale. */
  function enqueue(e: Entry, at: number | null = e.state.nextRunAt): void {
    e.gen++;
    if (at !== null) heap.push(at, { entry: e, gen: e.gen });
  }

  function clearTimer(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    timerAt = Infinity;
  }

  function wake(): void {
    if (stopped || !leading) return;
    while (heap.size > 0) {
      const top = heap.peek()!;
      if (entries.get(top.value.entry.key) === top.value.entry && top.value.gen === top.value.entry.gen) break;
      heap.pop(); // stale: disarmed or re-queued since
    }
    const at = heap.peek()?.at ?? Infinity;
    if (timer && timerAt <= at) return;
    clearTimer();
    if (at === Infinity) return; // nothing armed: no timer, no idle wake-ups
    const now = clock.now();
    const delay = Math.min(Math.max(0, at - now), maxSleepMs);
    timerAt = now + delay;
    timer = setTimeout(() => {
      timer = undefined;
      timerAt = Infinity;
      serial(fireDue)
        .catch((err: unknown) => log.error('schedule pass crashed', { err: String(err), stack: (err as Error)?.stack }))
        .finally(wake);
    }, delay);
    timer.unref();
  }

  function popDue(now: number): Entry[] {
    const due: Entry[] = [];
    while (heap.size > 0 && heap.peek()!.at <= now) {
      const { entry, gen } = heap.pop()!.value;
      if (entries.get(entry.key) === entry && entry.gen === gen) due.push(entry);
    }
    return due;
  }

  /** Lost a compare-and-set: adopt whatever the row says now (another process moved it), or forget it. */
  async function reconcile(e: Entry): Promise<void> {
    const row = await repo.get(e.workflowId, e.nodeId);
    const state = row && parseScheduleState(row.json);
    if (!row || !state) {
      if (entries.get(e.key) === e) entries.delete(e.key);
      log.info('schedule disarmed elsewhere', { workflowId: e.workflowId, nodeId: e.nodeId });
      return;
    }
    e.json = row.json;
    e.state = state;
    enqueue(e);
  }

  /** One pass over every due schedule; if the database fails it, they are all retried later. */
  async function fireDue(): Promise<void> {
    if (stopped || !leading) return;
    const now = clock.now();
    const due = popDue(now);
    if (due.length === 0) return;
    const popped = due.map((e) => ({ e, gen: e.gen }));
    try {
      await pass(due, now);
      failedPasses = 0;
    } catch (err) {
      // Nothing of the pass committed (one transaction): whatever was not re-queued yet is retried.
      // (Had a connection died just after COMMIT, the retry's compare-and-set loses and the row is
      // adopted.) A slot down past MISSED_AFTER_MS is then missed or caught up by planDue's rules.
      failedPasses++;
      const retryAt = clock.now() + Math.min(RETRY_MS * 2 ** (failedPasses - 1), maxSleepMs);
      let retried = 0;
      for (const { e, gen } of popped) {
        if (entries.get(e.key) !== e || e.gen !== gen) continue;
        enqueue(e, retryAt);
        retried++;
      }
      log.error('schedule pass failed; retrying', { schedules: retried, retryInMs: retryAt - clock.now(), err: String(err) });
    }
  }

  /**
   * Every due schedule's next state, and a start for each slot that fires, go to the database in
   * ONE transaction: a won compare-and-set commits together with its execution, a lost one starts
   * nothing. There is no lease to confirm afterwards and nothing to recover after a crash.
   */
  async function pass(due: Entry[], now: number): Promise<void> {
    const plans: Plan[] = [];
    // Asked all at once: on PostgreSQL each is a round trip, and a pass may hold thousands.
    const busy = await Promise.all(due.map((e) => e.state.overlap === 'skip' && deps.hasUnfinished(e.workflowId)));
    for (const [i, e] of due.entries()) {
      const plan = planDue(e.state, now, busy[i]!);
      if (!plan) {
        enqueue(e);
        continue;
      }
      plans.push({ e, slot: plan.slot, earlier: plan.earlier, action: plan.action, next: plan.next, json: JSON.stringify(plan.next) });
    }
    if (plans.length === 0) return;
    const swaps: StateSwap[] = plans.map((p) => ({ workflowId: p.e.workflowId, nodeId: p.e.nodeId, expect: p.e.json, next: p.json }));
    // Each slot that fires is a start of its own (a late pass may fire a few on-time slots at once).
    const fires = plans.filter((p) => p.action === 'fire').flatMap((p) => [...p.earlier, p.slot].map((slot) => ({ e: p.e, slot })));
    const reqs = fires.map((f) => startRequest(f, now));
    const { won, results } = await deps.startPass(swaps, reqs);

    const lost: Entry[] = [];
    for (const p of plans) {
      if (!won.has(p.e.key)) {
        lost.push(p.e);
        continue;
      }
      p.e.json = p.json;
      p.e.state = p.next;
      enqueue(p.e);
      if (p.action !== 'fire') log.debug(p.action === 'skip' ? 'schedule run skipped: previous run unfinished' : 'schedule run missed', { workflowId: p.e.workflowId, scheduledAt: iso(p.slot) });
    }
    let fired = 0;
    let duplicates = 0;
    results.forEach((r, i) => {
      if (!r) return; // its compare-and-set lost: nothing was started
      if (!r.duplicate) {
        fired++;
        deps.onFired?.(now - fires[i]!.slot);
        return;
      }
      // Two passes both won this slot (its state was set back meanwhile, e.g. restored): the key held.
      duplicates++;
      log.warn('schedule slot already started; not started again', { workflowId: fires[i]!.e.workflowId, scheduledAt: iso(fires[i]!.slot), executionId: r.executionId });
    });
    await Promise.all(lost.map(reconcile));
    // One line per pass: a catch-up after downtime may touch thousands of schedules at once.
    const count = (action: Plan['action']) => plans.filter((p) => p.action === action && won.has(p.e.key)).length;
    log.info('schedules due', { due: due.length, fired, duplicates, skipped: count('skip'), missed: count('miss'), movedElsewhere: lost.length, ms: clock.now() - now });
  }

  function startRequest(p: { e: Entry; slot: number }, firedAt: number): StartRequest & { swapKey: string } {
    return {
      workflowId: p.e.workflowId,
      workflowVersion: p.e.state.version,
      triggerNodeId: p.e.nodeId,
      mode: 'schedule',
      event: { scheduledAt: iso(p.slot), firedAt: iso(firedAt) },
      swapKey: stateKey(p.e.workflowId, p.e.nodeId),
      idempotency: slotIdempotency(p.e.workflowId, p.e.nodeId, p.slot),
    };
  }

  /**
   * Writes the armed state (insert, or compare-and-set over what is there) so nextRunAt shows at
   * once, whichever process armed it; only a leading process also keeps an entry and a timer.
   */
  async function arm(wf: WorkflowRecord, node: WorkflowNode, known?: StateRow | null): Promise<void> {
    const cfg = scheduleConfigOf(node);
    compileCron(cfg.expression, cfg.timezone); // throws on a cron that slipped past validation
    await serial(async () => {
      if (stopped) return;
      for (let attempt = 0; ; attempt++) {
        const now = clock.now();
        // `known`: the row as read beforehand (lead() reads them all at once); if it is stale, the
        // compare-and-set below fails and the next attempt reads it afresh.
        const row = attempt === 0 && known !== undefined ? (known ?? undefined) : await repo.get(wf.id, node.id);
        const prev = row ? parseScheduleState(row.json) : undefined;
        const state = armState(prev, cfg, wf.version, now);
        const json = JSON.stringify(state);
        const ok = !row
          ? await repo.insertIfAbsent(wf.id, node.id, json, now)
          : row.json === json || (await repo.swap({ workflowId: wf.id, nodeId: node.id, expect: row.json, next: json }, now));
        if (ok) {
          if (prev?.pending) {
            // An older version leased this slot and may or may not have started it; starting it now
            // could run it twice, so it counts as handled (a slot is never started without its key now).
            log.info('schedule lease left by an older version cleared as handled', { workflowId: wf.id, scheduledAt: iso(prev.pending.slot) });
          }
          if (leading) {
            const key = stateKey(wf.id, node.id);
            const entry: Entry = { key, workflowId: wf.id, nodeId: node.id, json, state, gen: 0 };
            entries.set(key, entry);
            enqueue(entry);
          }
          break;
        }
        if (attempt >= 4) throw new Error(`could not arm the schedule of ${wf.id}: its state keeps changing`);
      }
    });
    wake();
  }

  return {
    arm,

    async disarm(workflowId: string, opts: { clearState: boolean }): Promise<void> {
      await serial(async () => {
        for (const [key, e] of entries) if (e.workflowId === workflowId) entries.delete(key);
        if (opts.clearState) await repo.deleteForWorkflow(workflowId);
      });
      wake();
    },

    /**
     * This process runs the timers from now on: every given workflow whose trigger is a schedule is
     * armed from its persisted state, so slots that came due meanwhile follow the catch-up rules.
     */
    async lead(active: WorkflowRecord[]): Promise<void> {
      if (stopped) return;
      leading = true;
      failedPasses = 0;
      // Every state is read in one query, and every arm queued on the chain at once, ahead of the
      // first pass: armed one after the other, each with a read of its own, each overdue schedule
      // woke a pass of its own before the next was armed (a thousand schedules took over a minute
      // to come back after a handover). This way one pass handles every slot that came due meanwhile.
      const targets = active.flatMap((wf) => {
        const node = scheduleNodeOf(wf);
        return node ? [{ wf, node }] : [];
      });
      const rows = targets.length > 0 ? await repo.getMany(targets.map((t) => t.wf.id)).catch(() => undefined) : undefined;
      await Promise.all(
        targets.map(async ({ wf, node }) => {
          try {
            await arm(wf, node, rows ? (rows.get(stateKey(wf.id, node.id)) ?? null) : undefined);
          } catch (err) {
            // One broken workflow must not keep the others' schedules down; it stays visible in the log.
            log.error('schedule failed to arm on taking the lead', { workflowId: wf.id, err: String(err) });
          }
        }),
      );
    },

    /**
     * Another process runs the timers now: forget every entry and timer (state stays as it is). Set
     * at once, so no new pass starts; resolves after a pass already in flight has finished.
     */
    async follow(): Promise<void> {
      leading = false;
      clearTimer();
      await serial(async () => {
        entries.clear();
        heap.clear();
      });
    },

    async info(wf: WorkflowRecord, node: WorkflowNode) {
      const row = wf.active ? await repo.get(wf.id, node.id) : undefined;
      const s = row ? parseScheduleState(row.json) : undefined;
      // skippedRuns/lastSkippedAt/missedRuns/lastMissedAt are extra fields beside SPEC's nextRunAt.
      const info = {
        nextRunAt: iso(s?.nextRunAt),
        skippedRuns: s?.skippedRuns ?? 0,
        lastSkippedAt: iso(s?.lastSkippedAt),
        missedRuns: s?.missedRuns ?? 0,
        lastMissedAt: iso(s?.lastMissedAt),
      };
      return info;
    },

    async stop(): Promise<void> {
      await serial(async () => {
        stopped = true;
        clearTimer();
        entries.clear();
        heap.clear();
      });
    },

    stats: () => ({ armed: entries.size, heap: heap.size, leading }),
  };
}
