/**
 * A few worker threads (worker.mjs) for expressions that could stall in native code. Every job has
 * a hard deadline counted from the call, queueing included; a worker still busy at the deadline is
 * terminated and replaced, so the main event loop never waits on it.
 */
import { pathToFileURL } from 'node:url';
import { projectPath } from '../../lib/paths.ts';
import { Worker } from 'node:worker_threads';
import { expressionFailure, toExpressionFailure, type ExpressionFailure } from './failure.ts';
import { MAX_SEQUENCE, type Limits } from './limits.ts';
import type { ThrownInfo, WorkerJob, WorkerReply } from './protocol.ts';

export type WorkerPoolOptions = {
  size?: number;
  /** Jobs waiting for a free worker beyond this are refused rather than queued without bound. */
  maxQueue?: number;
  /** Heap cap per worker: a job that allocates wildly kills only its worker. */
  maxHeapMb?: number;
};

type Pending = {
  job: WorkerJob;
  deadline: number;
  timer: NodeJS.Timeout | null;
  slot: Slot | null;
  resolve(value: unknown): void;
  reject(err: ExpressionFailure): void;
};

type Slot = { worker: Worker; ready: boolean; current: Pending | null };

// Lets the worker's own clock check report first (a cleaner error) when it can.
const GRACE_MS = 20;
const WORKER_URL = pathToFileURL(projectPath('server/engine/expressions/worker.mjs'));

const closedError = () => expressionFailure('EXPRESSION_FAILED', 'expression engine is closed');

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly maxHeapMb: number;

  constructor(options: WorkerPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? 2);
    this.maxQueue = options.maxQueue ?? 1000;
    this.maxHeapMb = options.maxHeapMb ?? 256;
  }

  run(source: string, data: unknown, limits: Limits): Promise<unknown> {
    if (this.closed) return Promise.reject(closedError());
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(expressionFailure('EXPRESSION_FAILED', 'too many expressions waiting for the expression worker'));
    }
    return new Promise((resolve, reject) => {
      const job: WorkerJob = { id: this.nextId++, source, data, limits, maxSequence: MAX_SEQUENCE };
      const pending: Pending = { job, deadline: Date.now() + limits.timeoutMs, timer: null, slot: null, resolve, reject };
      pending.timer = setTimeout(() => this.expire(pending), limits.timeoutMs + GRACE_MS);
      this.queue.push(pending);
      this.pump();
    });
  }

  /** Terminates every worker and fails whatever is still waiting. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) this.settle(p, closedError());
    await Promise.all(
      this.slots.splice(0).map((s) => {
        if (s.current) this.settle(s.current, closedError());
        return s.worker.terminate();
      }),
    );
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.ready && !s.current);
      if (!slot) {
        // Start another worker only when every existing one is busy (booting counts as busy).
        if (this.slots.length < this.size && this.slots.every((s) => s.current || !s.ready)) this.spawn();
        return;
      }
      this.dispatch(slot, this.queue.shift()!);
    }
  }

  private dispatch(slot: Slot, pending: Pending): void {
    // The worker's own clock check gets what is left of the budget after queueing.
    const job = { ...pending.job, limits: { ...pending.job.limits, timeoutMs: Math.max(1, pending.deadline - Date.now()) } };
    try {
      slot.worker.postMessage(job);
    } catch (err) {
      // Data that cannot be cloned (a function, a symbol) never reaches the worker.
      this.settle(pending, expressionFailure('EXPRESSION_FAILED', `Expression data cannot be sent to the worker: ${(err as Error).message}`));
      return;
    }
    slot.current = pending;
    pending.slot = slot;
    slot.worker.ref();
    // Keep a spare booting: if this job has to be killed, the next one need not wait for a boot.
    if (this.slots.length < this.size) this.spawn();
  }

  /** The deadline passed: fail the job, and kill its worker if it was running it. */
  private expire(pending: Pending): void {
    pending.timer = null;
    const slot = pending.slot;
    const i = this.queue.indexOf(pending);
    if (i !== -1) this.queue.splice(i, 1);
    this.settle(
      pending,
      expressionFailure('EXPRESSION_TIMEOUT', `Expression timed out after ${pending.job.limits.timeoutMs} ms (too much work, or a regular expression that backtracks endlessly)`),
    );
    if (slot) this.replace(slot);
  }

  private settle(pending: Pending, outcome: ExpressionFailure | { value: unknown }): void {
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = null;
    const slot = pending.slot;
    pending.slot = null;
    if (slot && slot.current === pending) {
      slot.current = null;
      slot.worker.unref();
    }
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome.value);
  }

  private spawn(): void {
    // Referenced while it boots or runs a job; idle workers never keep the process alive.
    // No inherited execArgv: the parent's flags (e.g. `--input-type`) can be invalid in a worker.
    const worker = new Worker(WORKER_URL, { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    const slot: Slot = { worker, ready: false, current: null };
    this.slots.push(slot);
    worker.on('message', (msg: WorkerReply) => this.onReply(slot, msg));
    worker.on('error', (err) => this.onDeath(slot, err));
    worker.on('exit', (code) => this.onDeath(slot, new Error(`worker exited with code ${code}`)));
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    if (msg.kind === 'ready') {
      slot.ready = true;
      this.pump();
      if (!slot.current) slot.worker.unref();
      return;
    }
    const pending = slot.current;
    if (!pending || pending.job.id !== msg.id) return;
    this.settle(pending, msg.kind === 'value' ? { value: msg.value } : toExpressionFailure(revive(msg.error), pending.job.limits));
    this.pump();
  }

  private onDeath(slot: Slot, err: Error): void {
    if (!this.slots.includes(slot)) return;
    const pending = slot.current;
    if (pending) {
      const oom = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.settle(
        pending,
        oom ? expressionFailure('EXPRESSION_TOO_LARGE', 'Expression ran out of memory') : expressionFailure('EXPRESSION_FAILED', `Expression worker failed: ${err.message}`),
      );
    } else if (!slot.ready) {
      // It died while booting: fail what waits for it instead of respawning in a loop.
      for (const p of this.queue.splice(0)) this.settle(p, expressionFailure('EXPRESSION_FAILED', `Expression worker failed to start: ${err.message}`));
      this.replace(slot, false);
      return;
    }
    this.replace(slot);
  }

  /** Drops a slot (killing its worker) and boots a replacement, so the next job finds one warm. */
  private replace(slot: Slot, respawn = true): void {
    const i = this.slots.indexOf(slot);
    if (i === -1) return;
    this.slots.splice(i, 1);
    void slot.worker.terminate();
    if (this.closed || !respawn) return;
    if (this.queue.length > 0) this.pump();
    else if (this.slots.length === 0) this.spawn();
  }
}

/** Rebuilds what the worker saw thrown into the shapes toExpressionFailure knows. */
function revive(info: ThrownInfo): unknown {
  if (info.range) return new RangeError(info.message);
  if (info.code?.startsWith('EXPRESSION_')) {
    return expressionFailure(info.code as ExpressionFailure['code'], info.message, info.position === undefined ? {} : { position: info.position });
  }
  return { code: info.code, message: info.message, position: info.position, error: info.inner ? revive(info.inner) : undefined };
}
