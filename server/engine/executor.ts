/**
 * advance(executionId): rebuilds state from the step log, runs every ready node (independent
 * branches concurrently), records each step, and loops until the execution finishes or parks.
 * Because state always comes from the log, resuming after kill -9 is just calling advance again.
 */
import { setMaxListeners } from 'node:events';
import type { StepError } from '#shared/execution.ts';
import { CALL_TYPE } from '#shared/nodes/flow-call.ts';
import type { ExecutionRow, ExecutionStore, Lease, StepRow } from '../db/store.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { EngineEvents } from './events.ts';
import type { CallPort } from './kinds/call.ts';
import { isRespond } from './kinds/respond.ts';
import { lazyChild } from './lazy-logger.ts';
import type { Ports } from './node-context.ts';
import { stepKey, type NodeState, type Run, type Scope } from './run.ts';
import { runScope } from './scope-runner.ts';
import type { SnapshotCache } from './snapshots.ts';
import { DEFAULT_MAX_STEP_BYTES, decodeValue, rowToStep } from './step-codec.ts';
import { startBudget, timedOut, type InFlight } from './timeout.ts';

const RUNNING_WRITE_DELAY_MS = 250;

export type ExpressionPort = {
  evaluate(expression: string, data: unknown): Promise<unknown>;
  /** Optional: a value's serialised size, when already known, spares the sandbox measuring it. */
  knownSize?(value: unknown, bytes: number): void;
};

export type ExecutorDeps = {
  store: ExecutionStore;
  snapshots: SnapshotCache;
  expressions: ExpressionPort;
  ports: Ports;
  /** flow.call: starting child executions (absent: a call step fails with CALL_UNAVAILABLE). */
  calls?: CallPort;
  events: EngineEvents;
  clock: Clock;
  logger: Logger;
  maxStepBytes?: number;
  /** Sleep used between retries (tests may shorten it). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Told of every recorded step (metrics): a plain call, no event object, no JSON. */
  observeStep?: (nodeType: string, status: string, durationMs: number) => void;
  /** Workspace variables, `vars` in expressions: a cached map (no database read per step); absent: `{}`. */
  vars?: () => Readonly<Record<string, string>>;
};

/**
 * What a caller already knows, so advance() need not read it back: the execution row, its steps
 * (the ingest's trigger step, or what a claim read after it committed) and, from the ingest, the
 * trigger's value not yet encoded. Only a hint: resume after a crash reads the database.
 */
export type StartHint = { execution: ExecutionRow; steps?: StepRow[]; trigger?: unknown };

/**
 * What advance() ended with: finished, parked until `wakeAt` (durable delay), interrupted by a
 * stop, or `lost`: another worker took the execution over (its lease expired) and owns it now.
 */
export type AdvanceResult = { status: 'success' | 'error' | 'canceled' | 'missing' | 'interrupted' | 'lost' } | { status: 'parked'; wakeAt: number };

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    // The listener goes when the sleep ends either way: the shutdown signal lives as long as the server.
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

export function createExecutor(deps: ExecutorDeps) {
  const maxBytes = deps.maxStepBytes ?? DEFAULT_MAX_STEP_BYTES;
  const sleep = deps.sleep ?? defaultSleep;
  const shutdown = new AbortController();
  // Every in-flight step listens to this one signal (HTTP calls, retry sleeps): with 64 executions
  // at once, more than the default 10 listeners is normal, not a leak (each is removed when done).
  setMaxListeners(0, shutdown.signal);
  /** One per execution running here: a cancel (from this process or, through the event bridge, another) aborts it. */
  const running = new Map<string, AbortController>();
  deps.events.onExecution((e) => {
    if (e.status === 'canceled') running.get(e.executionId)?.abort();
  });

  /** `lease`: this worker's hold on the execution (PostgreSQL); every write is fenced by it. */
  async function advance(executionId: string, hint?: StartHint, lease?: Lease): Promise<AdvanceResult> {
    const own = new AbortController();
    running.set(executionId, own);
    try {
      return await advanceUntilCanceled(executionId, own.signal, hint, lease);
    } finally {
      if (running.get(executionId) === own) running.delete(executionId);
    }
  }

  async function advanceUntilCanceled(executionId: string, canceled: AbortSignal, hint?: StartHint, lease?: Lease): Promise<AdvanceResult> {
    const exec = hint?.execution ?? (await deps.store.getExecution(executionId));
    if (!exec) return { status: 'missing' };
    if (exec.status !== 'queued' && exec.status !== 'running') return { status: exec.status as 'success' };
    const wf = await deps.snapshots.get(exec.workflow_id, exec.workflow_version);
    const log = lazyChild(deps.logger, { executionId, workflowId: wf.id });
    const now = deps.clock.now();
    // Writes are not awaited one by one (group commit orders them); `lost` turns true when one is fenced out.
    let lost = false;
    const pending = new Set<Promise<unknown>>();
    const write = (p: Promise<boolean>): Promise<void> => {
      const w = p.then(
        (ok) => {
          if (!ok) lost = true;
        },
        (err: unknown) => {
          // The step will re-run on resume; an unreachable database shows here, not as a crash.
          deps.logger.error('step write failed', { executionId, err: String(err) });
        },
      );
      if (!deps.store.fifo) {
        pending.add(w);
        void w.finally(() => pending.delete(w));
      }
      return w;
    };
    /** Before a final write on a store that may reorder: every earlier write of this execution is in. */
    const settled = async () => {
      while (pending.size) await Promise.all([...pending]);
    };

    // The step log, sorted: the execution's own steps, loop iterations' steps by iteration key, and
    // unfinished loops and calls, which their executors take up again.
    const root = new Map<string, NodeState>();
    const rows = new Map<string, StepRow[]>();
    const prior = new Map<string, StepRow>();
    for (const row of hint?.steps ?? (await deps.store.getSteps(executionId))) {
      const type = wf.nodes.get(row.node_id)?.node.type;
      if (row.status === 'running' || (row.status === 'waiting' && type === CALL_TYPE)) {
        prior.set(stepKey(row.iteration, row.node_id), row);
        continue;
      }
      // A durable delay whose time has come is simply done.
      if (row.status === 'waiting' && row.resume_at != null && row.resume_at <= now) {
        row.status = 'success';
        row.finished_at = now;
        void write(deps.store.writeStep(row, lease));
      }
      if (row.iteration) {
        const list = rows.get(row.iteration);
        if (list) list.push(row);
        else rows.set(row.iteration, [row]);
        continue;
      }
      // The ingest's hint carries the trigger's value itself; a claim's hint carries stored steps only.
      const fromHint = hint !== undefined && 'trigger' in hint && row.node_id === wf.triggerId;
      if (fromHint && row.output) deps.expressions.knownSize?.(hint!.trigger, row.output.length);
      root.set(row.node_id, { row, value: fromHint ? hint!.trigger : decodeValue(row.output) });
    }
    // Most executions finish within milliseconds; writing 'running' for them would be one more
    // UPDATE each. It is written only if the execution is still going after RUNNING_WRITE_DELAY_MS
    // (queued and running are resumed alike after a crash, so this changes what is shown, not what runs).
    let runningTimer: NodeJS.Timeout | undefined;
    if (exec.status === 'queued') {
      runningTimer = setTimeout(() => void write(deps.store.markRunning(executionId, now, lease)), RUNNING_WRITE_DELAY_MS);
      deps.events.emitExecution({ executionId, workflowId: wf.id, status: 'running' });
      log.info('execution started', { mode: exec.mode });
    }

    // settings.timeoutSeconds (timeout.ts): a fresh ingest has used nothing; a resumed or claimed
    // execution's time so far is read when its row did not carry it.
    const timeoutSeconds = wf.settings.timeoutSeconds;
    const usedMs = !timeoutSeconds ? 0 : (exec.active_ms ?? (hint && 'trigger' in hint ? 0 : ((await deps.store.getExecution(executionId))?.active_ms ?? 0)));
    const budget = startBudget({ timeoutSeconds, usedMs, clock: deps.clock, checkpoint: (ms) => void write(deps.store.recordActive(executionId, ms, lease)) });
    /** What was running when the budget ran out (the steps' own ends clear run.inFlight). */
    let cutOff: InFlight[] = [];
    const signal = AbortSignal.any(budget.signal ? [shutdown.signal, canceled, budget.signal] : [shutdown.signal, canceled]);
    setMaxListeners(0, signal);
    const trigger = wf.triggerId ? root.get(wf.triggerId)?.value : undefined;
    let lastFinished: string | undefined;
    const announce = (row: StepRow) => {
      const written = write(deps.store.writeStep(row, lease));
      // Announced once written: a process told of a step by another re-reads it (events-bridge.ts),
      // and found nothing when the notification overtook the commit (the event was lost).
      // A Respond step is always announced: a web process holds the webhook request until it hears of it.
      const answers = row.status === 'success' && isRespond(wf.nodes.get(row.node_id));
      if (answers || deps.events.hasStepListeners()) void written.then(() => lost || deps.events.emitStep({ executionId, workflowId: wf.id, step: rowToStep(row) }));
    };
    let depth = exec.call_depth;
    const run: Run = {
      deps,
      wf,
      exec,
      executionId,
      lease,
      log,
      trigger,
      signal,
      maxBytes,
      sleep,
      stopped: () => signal.aborted || lost,
      record(scope, row, value) {
        scope.state.set(row.node_id, { row, value });
        if (scope.key === '' && row.status !== 'skipped') lastFinished = row.node_id;
        deps.observeStep?.(wf.nodes.get(row.node_id)?.node.type ?? 'unknown', row.status, (row.finished_at ?? row.started_at ?? 0) - (row.started_at ?? 0));
        announce(row);
      },
      announce,
      rows,
      prior,
      wakes: [],
      inFlight: new Map(),
      responder: undefined,
      async callDepth() {
        // A claimed row does not carry it: read once, when a call needs it.
        depth ??= (await deps.store.getExecution(executionId))?.call_depth ?? 0;
        return depth;
      },
    };
    for (const [id, s] of root) if (s.row.status === 'success' && isRespond(wf.nodes.get(id))) run.responder = id;
    budget.signal?.addEventListener('abort', () => (cutOff = [...run.inFlight.values()]), { once: true });

    const scope: Scope = { key: '', nodes: wf.rootOrder, state: root, outer: {} };
    const end = await runScope(run, scope).finally(() => budget.stop());
    clearTimeout(runningTimer);
    // Canceled: the store says so already; nothing of this run is written after it.
    if (canceled.aborted) return { status: 'canceled' };
    let failure: StepError | undefined = end.failure;
    // Out of time (not stopping, not taken over): the steps cut off fail with the timeout, and so
    // does the execution (naming no node when none was in flight: a budget found spent at the start).
    const outOfTime = end.interrupted && budget.expired() && !shutdown.signal.aborted && !lost;
    if (outOfTime) {
      const cut = timedOut(run, budget, cutOff);
      for (const row of cut.steps) announce(row);
      failure = cut.failure;
      log.info('execution timed out', { timeoutSeconds, activeMs: budget.used(), nodeId: 'nodeId' in cut.failure ? cut.failure.nodeId : undefined });
    } else if (end.interrupted) {
      const status = lost ? 'lost' : 'interrupted';
      // Best effort: the store may be closing (a stop) or the lease gone; checkpoints bound what is lost.
      if (timeoutSeconds && !lost) await deps.store.recordActive(executionId, budget.used(), lease).catch(() => undefined);
      return { status };
    }

    if (!failure && end.parked) {
      if (exec.status === 'queued') void write(deps.store.markRunning(executionId, now, lease));
      const wakeAt = run.wakes.length ? Math.min(...run.wakes) : now;
      await settled();
      if (!lost) await write(deps.store.park(executionId, wakeAt, lease, timeoutSeconds ? budget.used() : undefined));
      if (lost) return { status: 'lost' };
      log.info('execution parked', { wakeAt: new Date(wakeAt).toISOString() });
      return { status: 'parked', wakeAt };
    }

    const status = failure ? 'error' : 'success';
    const finishedAt = deps.clock.now();
    await settled();
    if (!lost) await write(deps.store.finish(executionId, status, failure ? JSON.stringify(failure) : null, finishedAt, exec.started_at ?? now, lease));
    if (lost) {
      log.warn('execution taken over by another worker', {});
      return { status: 'lost' };
    }
    log.info('execution finished', { status, durationMs: finishedAt - (exec.started_at ?? now) });
    deps.events.emitExecution({
      executionId,
      workflowId: wf.id,
      status,
      error: failure ?? null,
      lastOutput: lastFinished ? root.get(lastFinished)?.value : trigger,
    });
    if (exec.parent_execution_id) deps.calls?.finished(exec.parent_execution_id);
    return { status };
  }

  return {
    advance,
    /** Aborts in-flight node work and retry sleeps (shutdown). */
    abortAll: () => shutdown.abort(),
  };
}
export type Executor = ReturnType<typeof createExecutor>;
