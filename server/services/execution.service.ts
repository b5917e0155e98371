/** Starting executions (durably, before any acknowledgement), listing them, showing one, retrying. */
import { AppError } from '#shared/errors.ts';
import { CALL_TYPE } from '#shared/nodes/flow-call.ts';
import { RESPOND_TYPE } from '#shared/nodes/action-respond.ts';
import { compareIterations, type ExecutionDetail, type ExecutionMode, type ExecutionSummary, type Step, type StepError } from '#shared/execution.ts';
import type { ExecutionRow, ExecutionStore, IngestRequest, StepRow } from '../db/store.ts';
import type { ExecutionListQuery, ExecutionQueryRepo } from '../db/repos/execution-query.repo.ts';
import { isEdgeActive } from '../engine/edges.ts';
import type { EngineEvents } from '../engine/events.ts';
import { concurrencyGroup } from '../engine/concurrency.ts';
import type { StartHint } from '../engine/executor.ts';
import type { StartRequest, StartResult } from '../engine/start.ts';
import type { StateSwap } from '../db/repos/trigger-state.repo.ts';
import { planRetry, type RetryOptions } from './retry-plan.ts';
import type { Queue } from '../engine/queue.ts';
import type { CompiledWorkflow, SnapshotCache } from '../engine/snapshots.ts';
import { rowToStep } from '../engine/step-codec.ts';
import { iso, type Clock } from '../lib/clock.ts';
import { newId } from '../lib/ids.ts';
import { triggerSummary } from './trigger-summary.ts';

export type { StartRequest } from '../engine/start.ts';

/** An execution's stored error: the step error, with the node it happened at (engine/executor.ts). */
type StoredError = StepError & { nodeId?: string; nodeName?: string; nodeType?: string };

export function toSummary(row: ExecutionRow, workflowName?: string): ExecutionSummary {
  const stored = row.error ? (JSON.parse(row.error) as StoredError) : null;
  // The node's name and type are the list's `failedNode`; `error` stays the step error (and its nodeId).
  const { nodeName, nodeType, ...error } = stored ?? {};
  return {
    id: row.id,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    ...(workflowName !== undefined ? { workflowName } : {}),
    status: row.status as ExecutionSummary['status'],
    mode: row.mode as ExecutionMode,
    retryOf: row.retry_of,
    ...(row.retry_from ? { retriedFrom: row.retry_from as 'start' | 'failed' } : {}),
    ...(row.parent_execution_id ? { parentExecutionId: row.parent_execution_id } : {}),
    error: stored ? (error as StepError) : null,
    createdAt: iso(row.created_at)!,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    durationMs: row.started_at != null && row.finished_at != null ? row.finished_at - row.started_at : null,
    summary: row.summary ?? null,
    // Errors recorded before the engine stored the node's name carry only its id (named in `list`).
    failedNode: stored?.nodeId ? { id: stored.nodeId, name: nodeName ?? stored.nodeId, type: nodeType ?? '' } : null,
  };
}

export function createExecutionService(deps: {
  store: ExecutionStore;
  query: ExecutionQueryRepo;
  queue: Queue;
  events: EngineEvents;
  snapshots: SnapshotCache;
  /** The workflow's version now (a retry on the current version); undefined when it is gone. */
  currentVersion?: (workflowId: string) => Promise<number | undefined>;
  clock: Clock;
  /** Scrubs known secret values out of text (lib/secret-scrubber.ts), applied to each stored summary. */
  scrub?: (text: string) => string;
  /** The sandbox, for a concurrency key (settings.concurrency.key); absent: every key gives the default group. */
  evaluate?: (expression: string, data: unknown) => Promise<unknown>;
}) {
  const { store, queue, clock } = deps;

  /**
   * Writes the execution and its trigger step in one durable transaction (on SQLite, group
   * committed and fsync'd), then queues it. With `idempotency`, the check and the insert share that
   * transaction, so concurrent duplicates start exactly one execution.
   */
  async function start(req: StartRequest): Promise<{ executionId: string; duplicate: boolean }> {
    const r = await prepare(req);
    const { executionId, duplicate, lease } = await store.ingest(queue.claimAtIngest(r.ingest));
    if (duplicate) return { executionId, duplicate: true };
    deps.events.emitExecution({ executionId, workflowId: req.workflowId, status: 'queued' });
    queue.enqueue(executionId, r.hint, lease);
    return { executionId, duplicate: false };
  }

  /**
   * A schedule pass in one transaction: the compare-and-sets of `swaps`, then each start whose
   * `swapKey` won (see ExecutionStore.ingestWithSwaps). `results[i]` is null when its swap lost.
   */
  async function startPass(swaps: readonly StateSwap[], reqs: readonly (StartRequest & { swapKey?: string })[]) {
    const prepared = await Promise.all(reqs.map(prepare));
    const ingests = prepared.map((p, i) => ({ ...queue.claimAtIngest(p.ingest), ...(reqs[i]!.swapKey ? { swapKey: reqs[i]!.swapKey } : {}) }));
    const { won, results } = await store.ingestWithSwaps(swaps, ingests, clock.now());
    return {
      won,
      results: results.map((r, i): StartResult | null => {
        if (!r) return null;
        if (!r.duplicate) {
          deps.events.emitExecution({ executionId: r.executionId, workflowId: reqs[i]!.workflowId, status: 'queued' });
          queue.enqueue(r.executionId, prepared[i]!.hint, r.lease);
        }
        return { executionId: r.executionId, duplicate: r.duplicate };
      }),
    };
  }

  /** Without a sandbox (a service built for a test), every key gives nothing: the default group. */
  const noKey = () => Promise.reject(new Error('no expression engine'));

  async function prepare(req: StartRequest): Promise<{ ingest: IngestRequest; hint: StartHint }> {
    // The version's settings (a cached snapshot: no read per execution). A limited workflow's
    // group is decided here, once, so no queue ever evaluates the key.
    const wf = await deps.snapshots.get(req.workflowId, req.workflowVersion).catch(() => undefined);
    const limit = wf?.settings.concurrency;
    const group = limit ? await concurrencyGroup(req.workflowId, limit, req.event ?? null, deps.evaluate ?? noKey) : undefined;
    const now = clock.now();
    const id = newId('ex', now);
    const output = JSON.stringify(req.event ?? null);
    const idem = req.idempotency;
    const execution: ExecutionRow = {
      id,
      workflow_id: req.workflowId,
      workflow_version: req.workflowVersion,
      status: 'queued',
      mode: req.mode,
      retry_of: req.retryOf ?? null,
      error: null,
      created_at: now,
      started_at: null,
      finished_at: null,
      wake_at: null,
      summary: triggerSummary(req.event, deps.scrub),
      ...(req.parent ? { parent_execution_id: req.parent.executionId, call_depth: req.parent.depth } : {}),
      ...(req.retryFrom ? { retry_from: req.retryFrom } : {}),
      ...(group ? { concurrency_key: group.key, concurrency_limit: group.limit } : {}),
    };
    const triggerStep: StepRow = {
      execution_id: id,
      node_id: req.triggerNodeId,
      iteration: '',
      status: 'success',
      attempts: 1,
      input: null,
      output,
      error: null,
      handle: null,
      truncated: 0,
      started_at: now,
      finished_at: now,
      resume_at: null,
    };
    // A retry from the failed step starts with the original's finished steps, as this execution's.
    const carry = (req.carry ?? []).map((s) => ({ ...s, execution_id: id }));
    return {
      ingest: { execution, triggerStep, ...(idem ? { idempotency: idem } : {}), ...(carry.length ? { steps: carry } : {}) },
      hint: { execution, steps: [{ ...triggerStep }, ...carry.map((s) => ({ ...s }))], trigger: req.event ?? null },
    };
  }


  async function get(id: string): Promise<ExecutionDetail> {
    const read = await store.getExecutionWithSteps(id);
    if (!read) throw new AppError('NOT_FOUND', `execution ${id} not found`);
    const { execution: row, steps: rows } = read;
    // A step's input is its first active upstream's output in the same iteration; derived here
    // instead of stored twice (a loop body's first step stores the item it was given).
    const wf = await deps.snapshots.get(row.workflow_id, row.workflow_version).catch(() => undefined);
    const byKey = new Map(rows.map((r) => [`${r.iteration}\u0000${r.node_id}`, r]));
    const position = new Map((wf ? wf.order : [...new Set(rows.map((r) => r.node_id))]).map((id, i) => [id, i]));
    const sorted = rows
      .filter((r) => position.has(r.node_id))
      .sort((a, b) => position.get(a.node_id)! - position.get(b.node_id)! || compareIterations(a.iteration, b.iteration));
    const steps: Step[] = [];
    for (const r of sorted) {
      let input: unknown = null;
      for (const e of wf?.nodes.get(r.node_id)?.incoming ?? []) {
        const src = byKey.get(`${r.iteration}\u0000${e.source}`);
        if (src && isEdgeActive(src, e.sourceHandle)) {
          input = src.output ? JSON.parse(src.output) : null;
          break;
        }
      }
      steps.push(rowToStep(r, input));
    }
    // A run that called other workflows links to them (an indexed read only when it has flow.call nodes).
    const calls = wf ? [...wf.nodes.values()].some((n) => n.node.type === CALL_TYPE) : false;
    const children = calls ? await deps.query.children(id) : [];
    return { ...toSummary(row, wf?.name), steps, ...(children.length ? { children } : {}) };
  }

  /**
   * Failures recorded before the engine stored the failed node's name and type: named from the
   * version that ran, one cached snapshot per distinct version on the page (versions never change).
   */
  async function nameLegacyFailures(items: ExecutionSummary[]): Promise<void> {
    const legacy = items.filter((i) => i.failedNode && !i.failedNode.type);
    if (!legacy.length) return;
    const versions = new Map<string, Promise<CompiledWorkflow | undefined>>();
    for (const i of legacy) {
      const key = `${i.workflowId}@${i.workflowVersion}`;
      if (!versions.has(key)) versions.set(key, deps.snapshots.get(i.workflowId, i.workflowVersion).catch(() => undefined));
    }
    for (const i of legacy) {
      const node = (await versions.get(`${i.workflowId}@${i.workflowVersion}`))?.nodes.get(i.failedNode!.id);
      if (node) i.failedNode = { id: node.node.id, name: node.node.name ?? node.def?.title ?? node.node.id, type: node.node.type };
    }
  }

  /** `idempotency`: a bulk job's key, so acting on one execution twice (a resumed page) starts one retry. */
  async function retry(
    id: string,
    o: RetryOptions = { from: 'start', version: 'original' },
    idempotency?: { token: string; key: string },
  ): Promise<{ executionId: string; duplicate: boolean }> {
    const read = await store.getExecutionWithSteps(id);
    if (!read) throw new AppError('NOT_FOUND', `execution ${id} not found`);
    const { execution: row, steps } = read;
    const wf = await deps.snapshots.get(row.workflow_id, row.workflow_version);
    let version = row.workflow_version;
    if (o.version === 'current') {
      const now = await deps.currentVersion?.(row.workflow_id);
      if (now === undefined) throw new AppError('NOT_FOUND', `the workflow of execution ${id} no longer exists`);
      version = now;
    }
    const target = version === row.workflow_version ? wf : await deps.snapshots.get(row.workflow_id, version);
    const plan = planRetry({ status: row.status, steps, wf }, target, o);
    return start({
      workflowId: row.workflow_id,
      workflowVersion: version,
      triggerNodeId: plan.triggerNodeId,
      mode: 'retry',
      event: plan.event,
      retryOf: id,
      retryFrom: o.from,
      carry: plan.carry,
      ...(idempotency ? { idempotency: { ...idempotency, since: 0 } } : {}),
    });
  }

  /**
   * Cancels a queued, running or parked execution: final at once in the store, then announced, so
   * the worker running it (here or elsewhere) aborts its in-flight steps and writes nothing more.
   * Executions it called and that still run are canceled too; a parent waiting on it is woken.
   */
  async function cancel(id: string, depth = 0): Promise<ExecutionSummary> {
    const row = await store.getExecution(id);
    if (!row) throw new AppError('NOT_FOUND', `execution ${id} not found`);
    const error = { code: 'CANCELED', message: 'canceled by a user' };
    if (!(await store.cancel(id, JSON.stringify(error), clock.now()))) {
      const now = await store.getExecution(id);
      throw new AppError('CONFLICT', `execution ${id} has already finished (${now?.status ?? row.status})`);
    }
    deps.events.emitExecution({ executionId: id, workflowId: row.workflow_id, status: 'canceled', error });
    if (depth < 10) {
      for (const child of await deps.query.children(id)) {
        if (child.status === 'queued' || child.status === 'running') await cancel(child.id, depth + 1).catch(() => undefined);
      }
    }
    if (row.parent_execution_id) {
      await store.wake(row.parent_execution_id, clock.now());
      queue.wakeExecution(row.parent_execution_id);
    }
    return toSummary((await store.getExecution(id))!);
  }

  return {
    start,
    startPass,
    get,
    retry,
    cancel: (id: string) => cancel(id),
    /** Newest first, cursor-paginated. */
    async list({ from, to, ...q }: Omit<ExecutionListQuery, 'from' | 'to'> & { from?: string; to?: string }) {
      const page = await deps.query.list({ ...q, from: from === undefined ? undefined : Date.parse(from), to: to === undefined ? undefined : Date.parse(to) });
      await nameLegacyFailures(page.items);
      return page;
    },
    /**
     * How an execution ended, as result mode answers it: status, error, and the output of the last
     * node to finish (latest finishedAt; later in the graph on a tie, as the engine reports it live).
     */
    async final(id: string): Promise<{ status: ExecutionSummary['status']; error: ExecutionSummary['error']; lastOutput: unknown } | undefined> {
      const detail = await get(id).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'NOT_FOUND') return undefined;
        throw err;
      });
      if (!detail) return undefined;
      let last: Step | undefined;
      for (const s of detail.steps) {
        if (s.status !== 'success' && s.status !== 'error') continue;
        if (!last || (s.finishedAt ?? '') >= (last.finishedAt ?? '')) last = s;
      }
      return { status: detail.status, error: detail.error, lastOutput: last?.output };
    },
    /** Respond mode: the ids of the execution's Respond nodes, from the version it runs (a redelivery may meet an older one). */
    async respondNodes(id: string): Promise<ReadonlySet<string>> {
      const row = await store.getExecution(id);
      const wf = row && (await deps.snapshots.get(row.workflow_id, row.workflow_version).catch(() => undefined));
      const ids = new Set<string>();
      for (const [nodeId, cn] of wf?.nodes ?? []) if (cn.node.type === RESPOND_TYPE) ids.add(nodeId);
      return ids;
    },
    /** Respond mode, read from the database: the execution's status and its Respond step that succeeded, if one did. */
    async answer(id: string, respondNodes: ReadonlySet<string>): Promise<{ status: ExecutionSummary['status']; step?: Step } | undefined> {
      const row = await store.getExecution(id);
      if (!row) return undefined;
      for (const nodeId of respondNodes) {
        const s = await store.getStep(id, nodeId);
        if (s?.status === 'success') return { status: row.status as ExecutionSummary['status'], step: rowToStep(s) };
      }
      return { status: row.status as ExecutionSummary['status'] };
    },
    async summary(id: string): Promise<ExecutionSummary | undefined> {
      const row = await store.getExecution(id);
      return row && toSummary(row);
    },
  };
}
export type ExecutionService = ReturnType<typeof createExecutionService>;
