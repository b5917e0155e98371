/**
 * The execution queue: the durable truth is the executions table (status queued/running);
 * this in-memory FIFO only indexes it. A bounded pool of workers drains it off the request path,
 * parked executions (durable delays) get one timer for the earliest wake-up, and at boot every
 * unfinished execution is resumed.
 */
import type { ExecutionStore, IngestRequest, Lease } from '../db/store.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
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
  let wakeTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let paused = false;
  let idleWaiters: (() => void)[] = [];

  function pump(): void {
    while (!stopped && !paused && inFlight.size < deps.concurrency && head < pending.length) {
      const id = pending[head++]!;
      if (head > 1024 && head * 2 > pending.length) {
        pending.splice(0, head); // compact the FIFO without shifting on every take
        pendingAt.splice(0, head);
        head = 0;
      }
      if (inFlight.has(id)) continue;
      inFlight.add(id);
      const hint = hints.get(id);
      if (hint) hints.delete(id);
      deps.executor
        .advance(id, hint)
        .then(
          (r) => {
            if (r.status === 'parked' && rerun.has(id)) {
              // Not enqueue(): its pump would skip the id while it is still in flight; the pump in finally takes it.
              pending.push(id);
              pendingAt.push(deps.clock.now());
            } else if (r.status === 'parked') park(id, r.wakeAt);
            rerun.delete(id);
          },
          (err: unknown) => deps.logger.error('execution crashed', { executionId: id, err: String(err), stack: (err as Error)?.stack }),
        )
        .finally(() => {
          inFlight.delete(id);
          pump();
          if (inFlight.size === 0 && head >= pending.length && idleWaiters.length) {
            const w = idleWaiters;
            idleWaiters = [];
            w.forEach((f) => f());
          }
        });
    }
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
        if (r.wake_at != null && r.wake_at > now) park(r.id, r.wake_at);
        else enqueue(r.id);
      }
      if (rows.length) deps.logger.info('resuming unfinished executions', { count: rows.length });
      return rows.length;
    },
    idle() {
      if (inFlight.size === 0 && head >= pending.length) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    stats: () => ({ queued: pending.length - head, running: inFlight.size, parked: parked.size, oldestQueuedAt: head < pending.length ? pendingAt[head]! : null }),
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
