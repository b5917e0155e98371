/**
 * The queue of a PostgreSQL worker: the executions table is the queue, shared by every process.
 * A worker claims runnable executions with a lease (FOR UPDATE SKIP LOCKED, fence + 1), renews its
 * leases while it runs them, and gives them back when it stops. A NOTIFY on every ingest batch
 * wakes idle workers at once; a short poll covers what no notification announces (a dead worker's
 * expired leases, parked executions coming due, a notification lost while reconnecting).
 * An execution this process ingests itself is leased to it in the ingest transaction when it has
 * room, so it starts without a claim round trip — unless its workflow has a concurrency limit:
 * then the claim (sy_claim) decides, so the limit holds across processes.
 */
import type { ClaimStore, IngestRequest, Lease } from '../db/store.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { AdvanceResult, Executor, StartHint } from './executor.ts';
import type { Queue } from './queue.ts';

export type ClaimQueueOptions = {
  executor: Executor;
  claims: ClaimStore;
  clock: Clock;
  logger: Logger;
  /** This process's name in lease_owner (unique per process start). */
  owner: string;
  concurrency: number;
  /** How long a lease lasts without renewal: a killed worker's executions are taken over after this. */
  leaseMs?: number;
  /** How often to look for work no notification announced. */
  pollMs?: number;
};

export const DEFAULT_LEASE_MS = 20_000;

type Local = { id: string; hint: StartHint | undefined; lease: Lease };

export function createClaimQueue(o: ClaimQueueOptions): Queue & { wake(): void } {
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = o.pollMs ?? 1000;
  const log = o.logger.child({ component: 'queue' });
  /** Leased to us at ingest, not started yet. */
  const local: Local[] = [];
  const inFlight = new Set<string>();
  /**
   * Executions we claimed again while still running them (our lease had expired, e.g. renewals
   * stalled): the running advance holds the old fence and will end `lost`; the new lease is ours,
   * so the execution runs again under it then — else we would renew a lease nobody runs.
   */
  const retaken = new Map<string, Lease>();
  let stopped = false;
  let paused = false;
  let claiming = false;
  let again = false;
  let parkedWake: NodeJS.Timeout | undefined;
  let parkedAt = Infinity;
  let idleWaiters: (() => void)[] = [];
  /** Since when claims fail (the database away): logged once per outage, not once per poll. */
  let failingSince: number | undefined;

  const free = () => o.concurrency - inFlight.size - local.length;

  function run(id: string, hint: StartHint | undefined, lease: Lease): void {
    inFlight.add(id);
    o.executor
      .advance(id, hint, lease)
      .then(
        (r: AdvanceResult) => {
          if (r.status === 'parked') wakeAt(r.wakeAt);
          if (r.status === 'lost') log.warn('execution taken over by another worker', { executionId: id });
        },
        (err: unknown) => log.error('execution crashed', { executionId: id, err: String(err), stack: (err as Error)?.stack }),
      )
      .finally(() => {
        inFlight.delete(id);
        const again = retaken.get(id);
        retaken.delete(id);
        if (again && !stopped) run(id, undefined, again);
        pump();
        if (free() > 0) wake();
        settleIdle();
      });
  }

  function pump(): void {
    while (!stopped && !paused && local.length && inFlight.size < o.concurrency) {
      const next = local.shift()!;
      run(next.id, next.hint, next.lease);
    }
  }

  function settleIdle(): void {
    if (inFlight.size === 0 && local.length === 0 && !claiming && idleWaiters.length) {
      const w = idleWaiters;
      idleWaiters = [];
      w.forEach((f) => f());
    }
  }

  /** Claims as much as there is room for; runs again when woken meanwhile. */
  function wake(): void {
    if (stopped || paused) return;
    if (claiming) {
      again = true;
      return;
    }
    const room = free();
    if (room <= 0) return;
    claiming = true;
    again = false;
    o.claims
      .claim(o.owner, room, o.clock.now(), leaseMs)
      .then(
        (claimed) => {
          if (failingSince !== undefined) {
            log.info('claims work again', { failedForMs: o.clock.now() - failingSince });
            failingSince = undefined;
          }
          for (const c of claimed) {
            if (inFlight.has(c.row.id)) {
              retaken.set(c.row.id, c.lease);
              continue;
            }
            // The claim returned the row and its steps: advance reads neither again.
            run(c.row.id, c.steps ? { execution: c.row, steps: c.steps } : { execution: c.row }, c.lease);
          }
          // A full batch: there may be more waiting.
          if (claimed.length === room) again = true;
        },
        (err: unknown) => {
          if (failingSince !== undefined) return;
          failingSince = o.clock.now();
          log.warn('claim failed; retrying every poll until it works', { err: String(err), pollMs });
        },
      )
      .finally(() => {
        claiming = false;
        if (again) wake();
        settleIdle();
      });
  }

  /** A parked execution of ours comes due: look for work then (any worker may take it). */
  function wakeAt(at: number): void {
    if (at >= parkedAt) return;
    if (parkedWake) clearTimeout(parkedWake);
    parkedAt = at;
    parkedWake = setTimeout(() => {
      parkedWake = undefined;
      parkedAt = Infinity;
      wake();
    }, Math.max(0, Math.min(at - o.clock.now(), 2 ** 31 - 1)));
    parkedWake.unref();
  }

  const poll = setInterval(wake, pollMs);
  poll.unref();
  // Renew well before expiry: a third of the lease, so two missed renewals still keep it.
  const renew = setInterval(() => {
    if (inFlight.size === 0 && local.length === 0) return;
    o.claims.renew(o.owner, o.clock.now() + leaseMs).catch((err: unknown) => log.warn('lease renewal failed', { err: String(err) }));
  }, Math.max(100, Math.floor(leaseMs / 3)));
  renew.unref();

  return {
    claimAtIngest(req: IngestRequest): IngestRequest {
      // A limited workflow's execution waits for the claim, which alone counts its group's slots.
      if (stopped || paused || free() <= 0 || req.execution.concurrency_key) return req;
      return { ...req, leaseTo: { owner: o.owner, until: o.clock.now() + leaseMs } };
    },
    enqueue(id, hint, lease) {
      // Not leased to us: the ingest's NOTIFY wakes whichever worker is free.
      if (!lease) return;
      local.push({ id, hint, lease });
      pump();
    },
    wake,
    // The store's wake() made it due and sent a NOTIFY; claiming here too spares a round trip.
    wakeExecution: () => wake(),
    async resumeAll() {
      wake();
      return 0;
    },
    idle() {
      if (inFlight.size === 0 && local.length === 0 && !claiming) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    stats: () => ({ queued: local.length, running: inFlight.size, parked: parkedWake ? 1 : 0, oldestQueuedAt: null }),
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      pump();
      wake();
    },
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearInterval(renew);
      if (parkedWake) clearTimeout(parkedWake);
      o.executor.abortAll();
      // Interrupted executions record nothing more; give their leases back so another worker
      // takes them now instead of after the lease expires.
      await o.claims.release(o.owner).catch((err: unknown) => log.warn('lease release failed', { err: String(err) }));
    },
  };
}

/** The queue of a `web` process: it ingests, workers run. Starting nothing itself, it is always idle. */
export function createRemoteQueue(): Queue {
  return {
    claimAtIngest: (req) => req,
    enqueue: () => undefined,
    resumeAll: async () => 0,
    wakeExecution: () => undefined,
    idle: () => Promise.resolve(),
    stats: () => ({ queued: 0, running: 0, parked: 0, oldestQueuedAt: null }),
    pause: () => undefined,
    resume: () => undefined,
    stop: async () => undefined,
  };
}
