/**
 * settings.timeoutSeconds: each execution has a budget of running time. An advance() spends from
 * it while it runs; when it runs out, the run's signal aborts (HTTP calls in flight are cut off)
 * and the executor ends the execution as failed with EXECUTION_TIMEOUT.
 *
 * Parked time (every branch waiting on a durable delay or a called workflow) and time the process
 * was down are not spent: the budget is spent only inside advance(), and what it used is stored in
 * executions.active_ms with each park, every checkpoint interval while it runs, and on a stop.
 * Why a column and not the step log: the log cannot tell running from parked or down time (steps
 * run concurrently, and a step in flight at a crash has no row at all), while one stored number is
 * exact at every park, and after a crash or a stop off by at most one checkpoint interval, always
 * the lenient way (time is lost from the count, never added).
 */
import type { StepError } from '#shared/execution.ts';
import type { StepRow } from '../db/store.ts';
import type { Clock } from '../lib/clock.ts';
import { stepKey, stepRow, type Failure, type Run } from './run.ts';

export const TIMEOUT_CODE = 'EXECUTION_TIMEOUT';

/** How often a running execution stores its time: a tenth of its timeout, within 1 to 10 seconds. */
export const checkpointEveryMs = (timeoutMs: number): number => Math.min(10_000, Math.max(1_000, Math.floor(timeoutMs / 10)));

export type Budget = {
  /** Aborts when the budget is spent; undefined for a workflow without a timeout. */
  signal: AbortSignal | undefined;
  timeoutSeconds: number | undefined;
  expired(): boolean;
  /** Running time used so far, this advance included. */
  used(): number;
  /** Ends the deadline and the checkpoints, and stops the count: the advance is over. */
  stop(): void;
};

/** A step in flight, for naming what was running when the budget ran out. */
export type InFlight = { nodeId: string; iteration: string; startedAt: number };

/** Starts this advance's share of the budget: `usedMs` is what earlier advances used. */
export function startBudget(o: { timeoutSeconds: number | undefined; usedMs: number; clock: Clock; checkpoint(usedMs: number): void }): Budget {
  const { timeoutSeconds, clock } = o;
  if (!timeoutSeconds) return { signal: undefined, timeoutSeconds: undefined, expired: () => false, used: () => o.usedMs, stop: () => undefined };
  const timeoutMs = timeoutSeconds * 1000;
  const since = clock.now();
  let stoppedAt: number | undefined;
  const used = () => o.usedMs + Math.max(0, (stoppedAt ?? clock.now()) - since);
  const deadline = new AbortController();
  const expire = () => deadline.abort(new Error(`${TIMEOUT_CODE}: ${timeoutSeconds} s`));
  const remaining = timeoutMs - o.usedMs;
  let timer: NodeJS.Timeout | undefined;
  if (remaining <= 0) expire();
  else {
    timer = setTimeout(expire, remaining);
    timer.unref();
  }
  const every = setInterval(() => o.checkpoint(used()), checkpointEveryMs(timeoutMs));
  every.unref();
  return {
    signal: deadline.signal,
    timeoutSeconds,
    expired: () => deadline.signal.aborted,
    used,
    stop() {
      stoppedAt ??= clock.now();
      clearTimeout(timer);
      clearInterval(every);
    },
  };
}

/**
 * The steps cut off by the timeout, each recorded as failed with the timeout's error, and the
 * execution's failure, naming the step started last of those in flight (inside a loop: the item's
 * step, not the loop).
 */
export function timedOut(run: Run, budget: Budget, inFlight: readonly InFlight[]): { steps: StepRow[]; failure: Failure | StepError } {
  const seconds = budget.timeoutSeconds!;
  const at = run.deps.clock.now();
  const details = { timeoutSeconds: seconds, activeMs: budget.used() };
  const steps = inFlight.map((f) =>
    stepRow(run, { key: f.iteration }, f.nodeId, 'error', {
      attempts: 1,
      handle: '', // matches no edge: nothing after it runs
      // A loop or call taken up again keeps the start its row had.
      started_at: run.prior.get(stepKey(f.iteration, f.nodeId))?.started_at ?? f.startedAt,
      finished_at: at,
      error: JSON.stringify({ code: TIMEOUT_CODE, message: `cut off: the execution reached its timeout of ${seconds} s`, details } satisfies StepError),
    }),
  );
  const last = inFlight.at(-1);
  const limit = `its timeout of ${seconds} s (settings.timeoutSeconds; parked time not counted)`;
  if (!last) return { steps, failure: { code: TIMEOUT_CODE, message: `the execution ran longer than ${limit}`, details } };
  const cn = run.wf.nodes.get(last.nodeId);
  const nodeName = cn?.node.name ?? cn?.def?.title ?? last.nodeId;
  return {
    steps,
    failure: {
      nodeId: last.nodeId,
      nodeName,
      nodeType: cn?.node.type ?? '',
      ...(last.iteration ? { iteration: last.iteration } : {}),
      code: TIMEOUT_CODE,
      message: `the execution ran longer than ${limit} while "${nodeName}" was running`,
      details,
    },
  };
}
