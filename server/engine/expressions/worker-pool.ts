/**
 * A few worker threads (worker.mjs) for expressions that could stall in native code. Each job gets
 * a hard deadline; a worker that misses it is terminated and replaced, so the main loop never waits.
 */
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
  resolve(value: unknown): void;
  reject(err: ExpressionFailure): void;
};

type Slot = { worker: Worker; ready: boolean; current: Pending | null; timer: NodeJS.Timeout | null };

// Lets the worker's own clock-based check report first (a cleaner error) when it can.
const GRACE_MS = 20;
const WORKER_URL = new URL('./worker.mjs', import.meta.url);

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly maxHeapMb: number;

  constructor(options: WorkerPoolOptions = {}) {
    this.size = options.size ?? 2;
    this.maxQueue = options.maxQueue ?? 1000;
    this.maxHeapMb = options.maxHeapMb ?? 256;
  }

  run(source: string, data: unknown, limits: Limits): Promise<unknown> {
    if (this.closed) return Promise.reject(expressionFailure('EXPRESSION_FAILED', 'expression engine is closed'));
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(expressionFailure('EXPRESSION_FAILED', 'too many expressions waiting for the regex worker'));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, source, data, limits, maxSequence: MAX_SEQUENCE }, resolve, reject });
      this.pump();
    });
  }

  /** Terminates every worker and fails whatever is still waiting. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(expressionFailure('EXPRESSION_FAILED', 'expression engine is closed'));
    await Promise.all(
      this.slots.splice(0).map((s) => {
        if (s.timer) clearTimeout(s.timer);
        s.current?.reject(expressionFailure('EXPRESSION_FAILED', 'expression engine is closed'));
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
    slot.current = pending;
    try {
      slot.worker.postMessage(pending.job);
    } catch (err) {
      // Data that cannot be cloned (a function, a symbol) never reaches the worker.
      slot.current = null;
      pending.reject(expressionFailure('EXPRESSION_FAILED', `Expression data cannot be sent to the worker: ${(err as Error).message}`));
      return;
    }
    slot.worker.ref();
    // Keep a spare booting: if this job has to be killed, the next one need not wait for a boot.
    if (this.slots.length < this.size) this.spawn();
    slot.timer = setTimeout(() => {
      slot.timer = null;
      slot.current = null;
      pending.reject(expressionFailure('EXPRESSION_TIMEOUT', `Expression timed out after ${pending.job.limits.timeoutMs} ms (a regular expression or pattern that does not finish?)`));
      this.replace(slot);
    }, pending.job.limits.timeoutMs + GRACE_MS);
  }

  private spawn(): void {
    // Referenced while it boots for a waiting job or runs one; idle workers never keep the process alive.
    // No inherited execArgv: the parent's flags (e.g. `--input-type`) can be invalid in a worker.
    const worker = new Worker(WORKER_URL, { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    const slot: Slot = { worker, ready: false, current: null, timer: null };
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
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.current = null;
    if (msg.kind === 'value') pending.resolve(msg.value);
    else pending.reject(toExpressionFailure(revive(msg.error), pending.job.limits));
    this.pump();
    if (!slot.current) slot.worker.unref();
  }

  private onDeath(slot: Slot, err: Error): void {
    if (!this.slots.includes(slot)) return;
    const pending = slot.current;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.current = null;
    if (pending) {
      const oom = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      pending.reject(
        oom
          ? expressionFailure('EXPRESSION_TOO_LARGE', 'Expression ran out of memory')
          : expressionFailure('EXPRESSION_FAILED', `Expression worker failed: ${err.message}`),
      );
    } else if (!slot.ready) {
      // It died while booting: fail what waits for it instead of respawning in a loop.
      for (const p of this.queue.splice(0)) p.reject(expressionFailure('EXPRESSION_FAILED', `Expression worker failed to start: ${err.message}`));
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
