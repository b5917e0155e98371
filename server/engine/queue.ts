/**
 * The execution queue: the durable truth is the executions table (status queued/running);
 * this in-memory FIFO only indexes it. A bounded pool of workers drains it off the request path,
 * parked executions (durable delays) get one timer for the earliest wake-up, and at boot every
 * unfinished execution is resumed. A workflow's concurrency limit is kept by slots
 * (concurrency.ts): an execution of a full group waits in its group's line, not in a worker.
 */
import type { ExecutionStore, IngestRequest, Lease } from '../db/store.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { createSlots, type ConcurrencyGroup } from './concurrency.ts';
import type { Executor, StartHint } from './executor.ts';

export type Queue = {
  /**
   * Lets the queue take a fresh execution's lease in its ingest transaction (a PostgreSQL worker
   * with room runs what it ingests without a claim round trip); the in-process queue needs none.
   */
  claimAtIngest(req: IngestRequest): IngestRequest;
  /** A fresh execution to run (`lease` when claimed at ingest); may be a no-op where workers claim. */
  enqueue(executionId: string, hint?: StartHint, lease?: Lease): void;
  /** Resumes every unfinished execution found in the store (boot). */
  resumeAll(): Promise<number>;
  /** Resolves when nothing is queued or running (tests, benchmarks, graceful stop). */
  idle(): Promise<void>;
  /** `oldestQueuedAt`: when the longest-waiting queued execution was queued here (null: none, or not known here). */
  stats(): { queued: number; running: number; parked: number; oldestQueuedAt: number | null };
  /**
   * A parked execution should go on now (a child it waits for ended): this process runs it at
   * once if it holds it. Where workers claim, the store's wake() is what they see; this is a no-op.
   */
  wakeExecution(executionId: string): void;
  /** Stops taking new work (in-flight work finishes); queued executions stay durable. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
};

export function createQueue(deps: { executor: Executor; store: ExecutionStore; clock: Clock; logger: Logger; concurrency: number }): Queue {
  const pending: string[] = [];
  /** When each entry of `pending` was queued (same index), for the oldest-queued-age metric. */
  const pendingAt: number[] = [];
  /** What a fresh execution's creator already knew; dropped once it is taken (resume reads the DB). */
  const hints = new Map<string, StartHint>();
  let head = 0;
  const inFlight = new Set<string>();
  const parked = new Map<string, number>();
  /** Woken while running: if the run ends parked, it goes round again at once. */
  const rerun = new Set<string>();
  /** settings.concurrency: the group of each limited execution this queue knows, until it finishes. */
  const groupOf = new Map<string, ConcurrencyGroup>();
  const slots = createSlots();
  /** Limited executions holding a slot (running, or given one and about to start). */
  const holding = new Set<string>();
  /** Given a slot while every worker was busy: they start before the FIFO. */
  const granted: string[] = [];
  let wakeTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let paused = false;
  let idleWaiters: (() => void)[] = [];

  /** The next execution to start: one just given a slot first, then the FIFO. */
  function next(): string | undefined {
    if (granted.length) return granted.shift();
    if (head >= pending.length) return undefined;
    const id = pending[head++]!;
    if (head > 1024 && head * 2 > pending.length) {
      pending.splice(0, head); // compact the FIFO without shifting on every take
      pendingAt.splice(0, head);
      head = 0;
    }
    return id;
  }

  /** Executions of `ids` now hold their group's slot; they start as workers come free. */
  function hold(ids: string[]): void {
    for (const g of ids) holding.add(g);
  }

  const isIdle = () => inFlight.size === 0 && head >= pending.length && granted.length === 0;

  function pump(): void {
    while (!stopped && !paused && inFlight.size < deps.concurrency) {
      const id = next();
      if (id === undefined) break;
      if (inFlight.has(id)) continue;
      const group = groupOf.get(id);
      if (group && !holding.has(id)) {
        // A full group: the execution waits in its group's line, holding no worker.
        const now = slots.enter(id, group);
        hold(now);
        granted.push(...now.filter((g) => g !== id));
        if (!now.includes(id)) continue;
      }
      run(id);
    }
  }

  function run(id: string): void {
    inFlight.add(id);
    const hint = hints.get(id);
    if (hint) hints.delete(id);
    /** Whether the execution comes back (parked, or woken while running): it keeps its group. */
    let returns = false;
    deps.executor
      .advance(id, hint)
      .then(
        (r) => {
          if (r.status === 'parked' && rerun.has(id)) {
            // Not enqueue(): its pump would skip the id while it is still in flight; the pump in finally takes it.
            pending.push(id);
            pendingAt.push(deps.clock.now());
            returns = true;
          } else if (r.status === 'parked') {
            park(id, r.wakeAt);
            returns = true;
          }
          rerun.delete(id);
        },
        (err: unknown) => deps.logger.error('execution crashed', { executionId: id, err: String(err), stack: (err as Error)?.stack }),
      )
      .finally(() => {
        inFlight.delete(id);
        const group = groupOf.get(id);
        // A slot is held only while running: a parked execution gives it back and queues again when it wakes.
        if (group && holding.delete(id)) {
          const now = slots.leave(group.key);
          hold(now);
          granted.push(...now);
        }
        if (!returns) groupOf.delete(id);
        pump();
        if (isIdle() && idleWaiters.length) {
          const w = idleWaiters;
          idleWaiters = [];
          w.forEach((f) => f());
        }
      });
  }

  function park(id: string, wakeAt: number): void {
    parked.set(id, wakeAt);
    armWakeTimer();
  }

  /** One timer for the earliest wake-up, however many executions are parked. */
  function armWakeTimer(): void {
    if (wakeTimer) clearTimeout(wakeTimer);
    wakeTimer = undefined;
    if (stopped || parked.size === 0) return;
    const earliest = Math.min(...parked.values());
    const delay = Math.max(0, Math.min(earliest - deps.clock.now(), 2 ** 31 - 1));
    wakeTimer = setTimeout(() => {
      const now = deps.clock.now();
      for (const [id, at] of parked) {
        if (at <= now) {
          parked.delete(id);
          enqueue(id);
        }
      }
      armWakeTimer();
    }, delay);
    wakeTimer.unref();
  }

  function enqueue(id: string, hint?: StartHint): void {
    const e = hint?.execution;
    if (e?.concurrency_key && e.concurrency_limit) groupOf.set(id, { key: e.concurrency_key, limit: e.concurrency_limit });
    // Hints are memory: under a huge backlog keep only a bounded number, the rest read from the DB.
    if (hint && hints.size < 10_000) hints.set(id, hint);
    pending.push(id);
    pendingAt.push(deps.clock.now());
    pump();
  }

  return {
    claimAtIngest: (req) => req,
    enqueue: (id, hint) => enqueue(id, hint),
    async resumeAll() {
      const rows = await deps.store.listUnfinished();
      const now = deps.clock.now();
      for (const r of rows) {
        if (r.concurrency_key && r.concurrency_limit) groupOf.set(r.id, { key: r.concurrency_key, limit: r.concurrency_limit });
        if (r.wake_at != null && r.wake_at > now) park(r.id, r.wake_at);
        else enqueue(r.id);
      }
      if (rows.length) deps.logger.info('resuming unfinished executions', { count: rows.length });
      return rows.length;
    },
    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    stats: () => ({ queued: pending.length - head + granted.length + slots.waiting(), running: inFlight.size, parked: parked.size, oldestQueuedAt: head < pending.length ? pendingAt[head]! : null }),
    wakeExecution(id) {
      if (inFlight.has(id)) rerun.add(id);
      else if (parked.delete(id)) {
        armWakeTimer();
        enqueue(id);
      }
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      pump();
    },
    async stop() {
      stopped = true;
      if (wakeTimer) clearTimeout(wakeTimer);
      deps.executor.abortAll();
    },
  };
}
