/**
 * The `schedule` trigger kind: one timer over every schedule's persisted next run (a min-heap), a
 * compare-and-set lease per slot in trigger_state, catch-up, overlap skipping, crash recovery.
 * node-cron parses and validates; it does not fire (see README "Schedules" for the measurements).
 */
import type { Kysely } from 'kysely';
import type { Issue } from '#shared/issues.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { WorkflowNode } from '#shared/workflow.ts';
import type { Schema } from '../db/schema.ts';
import { createTriggerStateRepo, stateKey, type StateSwap } from '../db/repos/trigger-state.repo.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import { iso, type Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { StartRequest } from './start.ts';
import type { TriggerKind } from './activator.ts';
import { compileCron, cronProblem, isValidTimeZone } from './cron.ts';
import { createMinHeap } from './min-heap.ts';
import { armState, parseScheduleState, planDue, type ScheduleConfig, type ScheduleState } from './schedule-plan.ts';

export type SchedulerDeps = {
  db: Kysely<Schema>;
  clock: Clock;
  logger: Logger;
  /** The durable execution path (execution.service `start`): every fire goes through it. */
  start(req: StartRequest): Promise<{ executionId: string }>;
  /** Whether the workflow has a queued or running execution (overlap: skip). */
  hasUnfinished(workflowId: string): Promise<boolean>;
  /** Longest single sleep; the periodic re-check bounds the effect of a wall-clock jump. */
  maxSleepMs?: number;
};

/** A lease younger than this may still be in flight in a live process; it is not recovered yet. */
const PENDING_GRACE_MS = 30_000;

type Entry = { key: string; workflowId: string; nodeId: string; json: string; state: ScheduleState; gen: number };

/** The schedule settings of a trigger node, parsed by its own definition. */
export function scheduleConfigOf(node: WorkflowNode): ScheduleConfig {
  const def = getNodeDefinition(node.type);
  if (!def || def.kind !== 'trigger' || def.activation.kind !== 'schedule') throw new Error(`${node.type} is not a schedule trigger`);
  return def.activation.cron(def.config.parse(node.config));
}

export function createScheduler(deps: SchedulerDeps): TriggerKind & { stats(): { armed: number; heap: number } } {
  const { clock, logger } = deps;
  const log = logger.child({ component: 'scheduler' });
  const repo = createTriggerStateRepo(deps.db);
  const maxSleepMs = deps.maxSleepMs ?? 30_000;
  const entries = new Map<string, Entry>();
  const heap = createMinHeap<{ entry: Entry; gen: number }>();
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let stopped = false;
  const recoveries = new Set<NodeJS.Timeout>();

  // Arming, disarming and firing take turns: a deactivation never races a lease it would undo.
  let chain: Promise<unknown> = Promise.resolve();
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn);
    chain = run.catch(() => undefined);
    return run;
  }

  function enqueue(e: Entry): void {
    e.gen++;
    if (e.state.nextRunAt !== null) heap.push(e.state.nextRunAt, { entry: e, gen: e.gen });
  }

  function wake(): void {
    if (stopped) return;
    while (heap.size > 0) {
      const top = heap.peek()!;
      if (entries.get(top.value.entry.key) === top.value.entry && top.value.gen === top.value.entry.gen) break;
      heap.pop(); // stale: disarmed or re-queued since
    }
    const at = heap.peek()?.at ?? Infinity;
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    timerAt = Infinity;
    if (at === Infinity) return; // nothing armed: no timer, no idle wake-ups
    const now = clock.now();
    const delay = Math.min(Math.max(0, at - now), maxSleepMs);
    timerAt = now + delay;
    timer = setTimeout(() => {
      timer = undefined;
      timerAt = Infinity;
      serial(fireDue)
        .catch((err: unknown) => log.error('schedule pass failed', { err: String(err), stack: (err as Error)?.stack }))
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

  /** Lost a lease or a write: adopt whatever the row says now (another process moved it), or forget it. */
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

  /** One pass: every due schedule is leased in one statement, then each won fire starts one execution. */
  async function fireDue(): Promise<void> {
    if (stopped) return;
    const now = clock.now();
    const due = popDue(now);
    if (due.length === 0) return;
    const plans: { e: Entry; slot: number; action: string; next: ScheduleState; json: string }[] = [];
    for (const e of due) {
      const busy = e.state.overlap === 'skip' && (await deps.hasUnfinished(e.workflowId));
      const plan = planDue(e.state, now, busy);
      if (!plan) {
        enqueue(e);
        continue;
      }
      plans.push({ e, slot: plan.slot, action: plan.action, next: plan.next, json: JSON.stringify(plan.next) });
    }
    const won = await repo.swapMany(
      plans.map((p) => ({ workflowId: p.e.workflowId, nodeId: p.e.nodeId, expect: p.e.json, next: p.json })),
      now,
    );
    const fires: { e: Entry; slot: number }[] = [];
    const lost: Entry[] = [];
    for (const p of plans) {
      if (!won.has(p.e.key)) {
        lost.push(p.e);
        continue;
      }
      p.e.json = p.json;
      p.e.state = p.next;
      enqueue(p.e);
      if (p.action === 'fire') fires.push({ e: p.e, slot: p.slot });
      else log.debug(p.action === 'skip' ? 'schedule run skipped: previous run unfinished' : 'schedule run missed', { workflowId: p.e.workflowId, scheduledAt: iso(p.slot) });
    }
    await Promise.all(lost.map(reconcile));
    // One line per pass: a catch-up after downtime may touch thousands of schedules at once.
    const skipped = plans.filter((p) => p.action === 'skip' && won.has(p.e.key)).length;
    const missed = plans.filter((p) => p.action === 'miss' && won.has(p.e.key)).length;
    log.info('schedules due', { due: due.length, fired: fires.length, skipped, missed, leasedElsewhere: lost.length });

    const results = await Promise.allSettled(fires.map((f) => startFor(f.e.workflowId, f.e.nodeId, f.e.state.version, f.slot, now)));
    const confirm: { e: Entry; swap: StateSwap; json: string; state: ScheduleState }[] = [];
    results.forEach((r, i) => {
      const { e, slot } = fires[i]!;
      if (r.status === 'rejected') {
        // The lease stays pending: recovery re-checks it at the next arm (e.g. restart).
        log.error('schedule fire failed', { workflowId: e.workflowId, scheduledAt: iso(slot), err: String(r.reason) });
        return;
      }
      if (e.state.pending?.slot !== slot) return;
      const state = { ...e.state, pending: null };
      const json = JSON.stringify(state);
      confirm.push({ e, swap: { workflowId: e.workflowId, nodeId: e.nodeId, expect: e.json, next: json }, json, state });
    });
    if (confirm.length === 0) return;
    const confirmed = await repo.swapMany(
      confirm.map((c) => c.swap),
      clock.now(),
    );
    for (const c of confirm) {
      if (confirmed.has(c.e.key)) {
        c.e.json = c.json;
        c.e.state = c.state;
        enqueue(c.e);
      } else await reconcile(c.e);
    }
  }

  function startFor(workflowId: string, nodeId: string, version: number, slot: number, firedAt: number) {
    return deps.start({
      workflowId,
      workflowVersion: version,
      triggerNodeId: nodeId,
      mode: 'schedule',
      event: { scheduledAt: iso(slot), firedAt: iso(firedAt) },
    });
  }

  /**
   * A lease without a confirmed execution (the process died between the two writes). Whoever wins
   * the swap that clears it checks for the execution and starts it only if it is not there.
   */
  async function recoverPending(workflowId: string, nodeId: string): Promise<void> {
    const row = await repo.get(workflowId, nodeId);
    const state = row && parseScheduleState(row.json);
    const pending = state?.pending;
    if (!row || !state || !pending) return;
    const cleared = { ...state, pending: null };
    const json = JSON.stringify(cleared);
    if (!(await repo.swap({ workflowId, nodeId, expect: row.json, next: json }, clock.now()))) return;
    const e = entries.get(stateKey(workflowId, nodeId));
    if (e && e.json === row.json) {
      e.json = json;
      e.state = cleared;
      enqueue(e);
    }
    if (await repo.hasExecutionForSlot(workflowId, nodeId, pending.firedAt - 1, iso(pending.slot)!)) return;
    log.warn('schedule slot recovered after a crash', { workflowId, scheduledAt: iso(pending.slot) });
    await startFor(workflowId, nodeId, state.version, pending.slot, clock.now());
  }

  function recoverLater(workflowId: string, nodeId: string, delay: number): void {
    const t = setTimeout(() => {
      recoveries.delete(t);
      void serial(() => recoverPending(workflowId, nodeId)).catch((err: unknown) => log.error('schedule recovery failed', { workflowId, err: String(err) }));
    }, delay);
    t.unref();
    recoveries.add(t);
  }

  async function arm(wf: WorkflowRecord, node: WorkflowNode): Promise<void> {
    const cfg = scheduleConfigOf(node);
    compileCron(cfg.expression, cfg.timezone); // throws on a cron that slipped past validation
    await serial(async () => {
      if (stopped) return;
      for (let attempt = 0; ; attempt++) {
        const now = clock.now();
        const row = await repo.get(wf.id, node.id);
        const prev = row ? parseScheduleState(row.json) : undefined;
        const state = armState(prev, cfg, wf.version, now);
        const json = JSON.stringify(state);
        const ok = !row
          ? await repo.insertIfAbsent(wf.id, node.id, json, now)
          : row.json === json || (await repo.swap({ workflowId: wf.id, nodeId: node.id, expect: row.json, next: json }, now));
        if (ok) {
          const key = stateKey(wf.id, node.id);
          const entry: Entry = { key, workflowId: wf.id, nodeId: node.id, json, state, gen: 0 };
          entries.set(key, entry);
          enqueue(entry);
          if (state.pending) {
            const age = now - state.pending.firedAt;
            if (age >= PENDING_GRACE_MS) await recoverPending(wf.id, node.id);
            else recoverLater(wf.id, node.id, PENDING_GRACE_MS - age);
          }
          break;
        }
        if (attempt >= 4) throw new Error(`could not arm the schedule of ${wf.id}: its state keeps changing`);
      }
    });
    wake();
  }

  return {
    validate(node: WorkflowNode, index: number): Issue[] {
      const issues: Issue[] = [];
      const { cron, timezone = 'UTC' } = node.config as { cron?: unknown; timezone?: unknown };
      if (typeof cron === 'string' && cron.trim() !== '') {
        const problem = cron.includes('{{') ? 'a schedule cannot use {{ expressions }}' : cronProblem(cron.trim());
        if (problem) issues.push({ path: `nodes.${index}.config.cron`, message: problem });
      }
      if (typeof timezone === 'string' && !isValidTimeZone(timezone)) {
        issues.push({ path: `nodes.${index}.config.timezone`, message: `unknown timezone "${timezone}": use an IANA name such as Europe/Paris` });
      }
      if (issues.length === 0 && typeof cron === 'string' && typeof timezone === 'string' && cron.trim() !== '') {
        if (compileCron(cron.trim(), timezone).next(clock.now()) === null) issues.push({ path: `nodes.${index}.config.cron`, message: 'this schedule never runs' });
      }
      return issues;
    },

    arm,

    async disarm(workflowId: string, opts: { clearState: boolean }): Promise<void> {
      await serial(async () => {
        for (const [key, e] of entries) if (e.workflowId === workflowId) entries.delete(key);
        if (opts.clearState) await repo.deleteForWorkflow(workflowId);
      });
      wake();
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
        if (timer) clearTimeout(timer);
        timer = undefined;
        for (const t of recoveries) clearTimeout(t);
        recoveries.clear();
        entries.clear();
        heap.clear();
      });
    },

    stats: () => ({ armed: entries.size, heap: heap.size }),
  };
}
