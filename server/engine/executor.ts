/**
 * advance(executionId): rebuilds state from the step log, runs every ready node (independent
 * branches concurrently), records each step, and loops until the execution finishes or parks.
 * Because state always comes from the log, resuming after kill -9 is just calling advance again.
 */
import { setMaxListeners } from 'node:events';
import { ZodError } from 'zod';
import { NodeFailure, RetryableError } from '#shared/errors.ts';
import { resolveTemplates } from '#shared/expressions/template.ts';
import type { StepError } from '#shared/execution.ts';
import { fromZodIssues } from '#shared/issues.ts';
import { RESPOND_TYPE } from '#shared/nodes/action-respond.ts';
import type { NodeResult } from '#shared/nodes/define.ts';
import type { ExecutionRow, ExecutionStore, Lease, StepRow } from '../db/store.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { isEdgeActive } from './edges.ts';
import type { EngineEvents } from './events.ts';
import { buildRunContext, type Ports } from './node-context.ts';
import { nextDelay } from './retry.ts';
import type { CompiledNode, CompiledWorkflow, SnapshotCache } from './snapshots.ts';
import { DEFAULT_MAX_STEP_BYTES, decodeValue, encodeValue, rowToStep, toStepError } from './step-codec.ts';

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
  events: EngineEvents;
  clock: Clock;
  logger: Logger;
  maxStepBytes?: number;
  /** Sleep used between retries (tests may shorten it). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Told of every recorded step (metrics): a plain call, no event object, no JSON. */
  observeStep?: (nodeType: string, status: string, durationMs: number) => void;
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

/** In-memory view of one node's step. `value` is the full output (the stored one may be truncated). */
type NodeState = { row: StepRow; value: unknown };

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

  /** `lease`: this worker's hold on the execution (PostgreSQL); every write is fenced by it. */
  async function advance(executionId: string, hint?: StartHint, lease?: Lease): Promise<AdvanceResult> {
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

    const state = new Map<string, NodeState>();
    for (const row of hint?.steps ?? (await deps.store.getSteps(executionId))) {
      // A durable delay whose time has come is simply done.
      if (row.status === 'waiting' && row.resume_at != null && row.resume_at <= now) {
        row.status = 'success';
        row.finished_at = now;
        void write(deps.store.writeStep(row, lease));
      }
      // The ingest's hint carries the trigger's value itself; a claim's hint carries stored steps only.
      const fromHint = hint !== undefined && 'trigger' in hint && row.node_id === wf.triggerId;
      if (fromHint && row.output) deps.expressions.knownSize?.(hint!.trigger, row.output.length);
      state.set(row.node_id, { row, value: fromHint ? hint!.trigger : decodeValue(row.output) });
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

    const trigger = wf.triggerId ? state.get(wf.triggerId)?.value : undefined;
    const running = new Map<string, Promise<void>>();
    // The failed node's name and type ride along, so the executions list names it without reading the workflow version.
    let failure: (StepError & { nodeId: string; nodeName: string; nodeType: string }) | undefined;
    let lastFinished: string | undefined;

    const record = (row: StepRow, value: unknown) => {
      state.set(row.node_id, { row, value });
      if (row.status !== 'skipped') lastFinished = row.node_id;
      deps.observeStep?.(wf.nodes.get(row.node_id)?.node.type ?? 'unknown', row.status, (row.finished_at ?? row.started_at ?? 0) - (row.started_at ?? 0));
      const written = write(deps.store.writeStep(row, lease));
      // Announced once written: a process told of a step by another re-reads it (events-bridge.ts),
      // and found nothing when the notification overtook the commit (the event was lost).
      // A Respond step is always announced: a web process holds the webhook request until it hears of it.
      const answers = row.status === 'success' && wf.nodes.get(row.node_id)?.node.type === RESPOND_TYPE;
      if (answers || deps.events.hasStepListeners()) void written.then(() => lost || deps.events.emitStep({ executionId, workflowId: wf.id, step: rowToStep(row) }));
    };
    // The Respond node that answers (the first reached, running or done); later ones are skipped.
    let responder: string | undefined;
    for (const [id, s] of state) if (s.row.status === 'success' && wf.nodes.get(id)?.node.type === RESPOND_TYPE) responder = id;

    const isDone = (id: string) => {
      const s = state.get(id)?.row.status;
      return s === 'success' || s === 'error' || s === 'skipped';
    };

    for (;;) {
      if (shutdown.signal.aborted || lost) {
        // Whatever finished is recorded; the rest resumes from the step log at the next start
        // (or, when lost, is the new owner's to run).
        await Promise.allSettled(running.values());
        clearTimeout(runningTimer);
        return { status: lost ? 'lost' : 'interrupted' };
      }
      if (!failure) {
        for (const id of wf.order) {
          if (state.has(id) || running.has(id)) continue;
          const cn = wf.nodes.get(id)!;
          if (id === wf.triggerId || cn.def?.kind === 'trigger') continue;
          if (!cn.incoming.every((e) => isDone(e.source))) continue;
          const active = cn.incoming.filter((e) => isEdgeActive(state.get(e.source)!.row, e.sourceHandle));
          if (active.length === 0) {
            const t = deps.clock.now();
            record(stepRow(executionId, id, 'skipped', { started_at: t, finished_at: t }), null);
            continue;
          }
          if (cn.node.type === RESPOND_TYPE) {
            if (responder) {
              const t = deps.clock.now();
              const reason = `the request was already answered by "${responder}"`;
              record(stepRow(executionId, id, 'skipped', { started_at: t, finished_at: t, output: JSON.stringify({ reason }) }), { reason });
              continue;
            }
            responder = id;
          }
          const input = state.get(active[0]!.source)!.value;
          const p = runNode(cn, input).then((r) => {
            running.delete(id);
            // A failed Respond answered nothing: the next one reached may still answer.
            if (responder === id && r.row.status !== 'success') responder = undefined;
            // Stopping: the node was cut off, not failed. Record nothing, so it runs again on resume.
            if (shutdown.signal.aborted || lost) return;
            if (r.row.status === 'error' && (cn.node.onError ?? 'stop') === 'stop' && !failure) {
              failure = { nodeId: id, nodeName: cn.node.name ?? cn.def?.title ?? id, nodeType: cn.node.type, ...(JSON.parse(r.row.error!) as StepError) };
            }
            record(r.row, r.value);
          });
          running.set(id, p);
        }
      }
      if (running.size === 0) {
        // Nothing new became ready in the loop above, and nothing is in flight.
        const again = !failure && wf.order.some((id) => !state.has(id) && readyNow(wf, id, state));
        if (!again) break;
        continue;
      }
      await Promise.race(running.values());
    }

    clearTimeout(runningTimer);
    const waiting = [...state.values()].filter((s) => s.row.status === 'waiting');
    if (!failure && waiting.length) {
      if (exec.status === 'queued') void write(deps.store.markRunning(executionId, now, lease));
      const wakeAt = Math.min(...waiting.map((s) => s.row.resume_at ?? now));
      await settled();
      if (!lost) await write(deps.store.park(executionId, wakeAt, lease));
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
      lastOutput: lastFinished ? state.get(lastFinished)?.value : trigger,
    });
    return { status };

    /** Runs one node with its retry policy; always resolves to a step row (errors included). */
    async function runNode(cn: CompiledNode, input: unknown): Promise<{ row: StepRow; value: unknown }> {
      const { node, def } = cn;
      const policy = { attempts: node.retry?.attempts ?? 1, delayMs: node.retry?.delayMs ?? 1000 };
      const startedAt = deps.clock.now();
      let attempt = 0;
      for (;;) {
        attempt++;
        const stepLog = lazyChild(log, { nodeId: node.id, attempt });
        try {
          if (!def || def.kind !== 'action') throw new NodeFailure(`Unknown node type "${node.type}"`, { code: 'UNKNOWN_NODE_TYPE' });
          const data = {
            trigger,
            steps: stepsView(state),
            input,
            execution: { id: executionId },
            workflow: { id: wf.id, name: wf.name },
            now: new Date(deps.clock.now()).toISOString(),
          };
          const evaluate = (expression: string, d?: unknown) => deps.expressions.evaluate(expression, d === undefined ? data : d);
          const resolved = await resolveTemplates(node.config, (e) => evaluate(e), 'config');
          const parsed = def.config.safeParse(resolved);
          if (!parsed.success) {
            throw new NodeFailure('invalid config after expressions were resolved', {
              code: 'CONFIG_INVALID',
              details: fromZodIssues(parsed.error.issues, ['config']),
            });
          }
          const ctx = buildRunContext(
            parsed.data,
            {
              executionId,
              workflowId: wf.id,
              nodeId: node.id,
              attempt,
              input,
              trigger,
              evaluate,
              signal: shutdown.signal,
              now: () => new Date(deps.clock.now()),
              log: stepLog,
            },
            deps.ports,
          );
          const result: NodeResult = await def.run(ctx);
          stepLog.debug('step finished', { kind: result.kind });
          return finished(node.id, 'success', attempt, startedAt, result);
        } catch (err) {
          const retryable = !(err instanceof NodeFailure) && !(err instanceof ZodError);
          if (retryable && attempt < policy.attempts && !shutdown.signal.aborted) {
            const retryAfter = err instanceof RetryableError ? err.retryAfterMs : undefined;
            const delay = nextDelay(attempt, policy, retryAfter);
            stepLog.warn('step failed, retrying', { delayMs: delay, error: toStepError(err) });
            await sleep(delay, shutdown.signal);
            continue;
          }
          const error = toStepError(err);
          stepLog.info('step failed', { error });
          const onError = node.onError ?? 'stop';
          const row = stepRow(executionId, node.id, 'error', {
            attempts: attempt,
            error: JSON.stringify(error),
            started_at: startedAt,
            finished_at: deps.clock.now(),
          });
          // onError "continue": the error becomes the output and the run goes on.
          if (onError === 'continue') {
            row.output = JSON.stringify({ error });
            return { row, value: { error } };
          }
          row.handle = '';
          return { row, value: null };
        }
      }
    }

    function finished(nodeId: string, status: 'success', attempts: number, startedAt: number, result: NodeResult) {
      const { json, truncated } = encodeValue(result.output, maxBytes);
      const row = stepRow(executionId, nodeId, status, {
        attempts,
        output: json,
        truncated: truncated ? 1 : 0,
        started_at: startedAt,
        finished_at: deps.clock.now(),
      });
      if (result.kind === 'route') row.handle = result.handle;
      if (result.kind === 'stop') row.handle = ''; // matches no edge: the branch ends here
      if (result.kind === 'wait') {
        row.status = 'waiting';
        row.resume_at = result.until.getTime();
        row.finished_at = null;
      }
      return { row, value: result.output };
    }
  }

  return {
    advance,
    /** Aborts in-flight node work and retry sleeps (shutdown). */
    abortAll: () => shutdown.abort(),
  };
}
export type Executor = ReturnType<typeof createExecutor>;

function readyNow(wf: CompiledWorkflow, id: string, state: Map<string, NodeState>): boolean {
  const cn = wf.nodes.get(id)!;
  if (cn.def?.kind === 'trigger') return false;
  return cn.incoming.every((e) => {
    const s = state.get(e.source)?.row.status;
    return s === 'success' || s === 'error' || s === 'skipped';
  });
}

function stepsView(state: Map<string, NodeState>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, s] of state) if (s.row.status === 'success' || s.row.status === 'error') out[id] = s.value;
  return out;
}

function stepRow(executionId: string, nodeId: string, status: string, fields: Partial<StepRow>): StepRow {
  return {
    execution_id: executionId,
    node_id: nodeId,
    status,
    attempts: 0,
    input: null,
    output: null,
    error: null,
    handle: null,
    truncated: 0,
    started_at: null,
    finished_at: null,
    resume_at: null,
    ...fields,
  };
}

/**
 * A child logger made on first enabled use: most executions and steps log nothing at the
 * configured level, and a pino child (bindings serialised, redaction prepared) is not free.
 */
function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const get = () => (child ??= parent.child(bindings));
  const on = (level: 'debug' | 'info' | 'warn' | 'error') => parent.isEnabled?.(level) ?? true;
  return {
    debug: (m, f) => on('debug') && get().debug(m, f),
    info: (m, f) => on('info') && get().info(m, f),
    warn: (m, f) => on('warn') && get().warn(m, f),
    error: (m, f) => on('error') && get().error(m, f),
    child: (b) => lazyChild(parent, { ...bindings, ...b }),
    isEnabled: on,
  };
}
