/**
 * flow.forEach's executor. Each item runs the loop body as its own scope, keyed by the item's
 * index ('3'; '3.1' inside a nested loop), so its steps are recorded, retried and resumed one by
 * one: at a resume every finished iteration is found in the log and skipped, an unfinished one
 * goes on from its last finished step. Up to `concurrency` iterations run at once.
 */
import { NodeFailure } from '#shared/errors.ts';
import { DONE, EACH, type LoopOutput } from '#shared/nodes/flow-foreach.ts';
import { decodeValue } from '../step-codec.ts';
import { runScope } from '../scope-runner.ts';
import { stepKey, stepRow, stepsView, type NodeState, type Run, type Scope } from '../run.ts';
import type { CompiledLoop } from '../snapshots.ts';
import { failed, succeeded } from '../step-runner.ts';
import type { NodeKind } from './index.ts';

/** The loop's progress row (status `running`, output `{total, done, …}`) is rewritten at most this often. */
const PROGRESS_EVERY_MS = 250;

type Progress = { total: number; done: number; succeeded: number; failed: number };

export const runLoop: NodeKind<'loop'> = async (run, scope, cn, a) => {
  const id = cn.node.id;
  const body: CompiledLoop = run.wf.loops.get(id) ?? { direct: [], topo: [] };
  const items = a.result.items;
  const concurrency = typeof a.config.concurrency === 'number' ? a.config.concurrency : 1;
  const stopOnError = a.config.onItemError !== 'continue';
  const prior = run.prior.get(stepKey(scope.key, id));
  const startedAt = prior?.started_at ?? a.startedAt;
  // What the body sees of the steps outside it: everything before the loop is done, read once.
  const outer = stepsView(scope);

  const progress: Progress = { total: items.length, done: 0, succeeded: 0, failed: 0 };
  const progressRow = () => stepRow(run, scope, id, 'running', { attempts: a.attempts, started_at: startedAt, output: JSON.stringify(progress) });
  let lastProgressAt = run.deps.clock.now();
  // Resuming, the log already says how far it got: counting again from 0 would show the count fall back.
  if (!prior) run.announce(progressRow());

  const results: unknown[] = new Array(items.length).fill(null);
  const errors: LoopOutput['errors'] = [];
  let stopAt: LoopOutput['errors'][number] | undefined;
  let parked = false;
  let next = 0;

  const worker = async () => {
    while (next < items.length && !stopAt && !run.stopped()) {
      const index = next++;
      const iteration = iterationScope(run, scope, id, body, index, items, outer);
      const end = await runScope(run, iteration);
      if (end.interrupted) return;
      if (end.failure) {
        const { nodeId, code, message } = end.failure;
        const error = { index, nodeId, error: { code, message } };
        errors.push(error);
        progress.failed++;
        if (stopOnError) stopAt ??= error;
      } else if (end.parked) parked = true;
      else {
        results[index] = resultOf(iteration, body);
        progress.succeeded++;
      }
      if (!end.parked) progress.done++;
      const now = run.deps.clock.now();
      if (now - lastProgressAt >= PROGRESS_EVERY_MS) {
        lastProgressAt = now;
        run.announce(progressRow());
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));

  // Stopping (or parked): the progress row stays in the log, and the loop picks up from it later.
  if (run.stopped()) return { row: progressRow(), value: progress, unwritten: true };
  if (parked && !stopAt) {
    run.announce(progressRow());
    return { row: progressRow(), value: progress, unwritten: true };
  }
  if (stopAt) {
    const nodeName = run.wf.nodes.get(stopAt.nodeId)?.node.name ?? stopAt.nodeId;
    const err = new NodeFailure(`item ${stopAt.index} failed at "${nodeName}": ${stopAt.error.message}`, {
      code: 'LOOP_ITEM_FAILED',
      details: { index: stopAt.index, nodeId: stopAt.nodeId, error: stopAt.error },
    });
    return failed(run, scope, cn, err, a.attempts, startedAt);
  }
  errors.sort((x, y) => x.index - y.index);
  const output: LoopOutput = { results, succeeded: progress.succeeded, failed: progress.failed, errors };
  return succeeded(run, scope, id, a.attempts, startedAt, { kind: 'route', handle: DONE, output });
};

/** One item's scope: the loop's `each` as its entry, and whatever of this iteration the log already holds. */
function iterationScope(run: Run, scope: Scope, loopId: string, body: CompiledLoop, index: number, items: readonly unknown[], outer: Record<string, unknown>): Scope {
  const key = scope.key === '' ? String(index) : `${scope.key}.${index}`;
  const state = new Map<string, NodeState>();
  const entry = stepRow(run, { key }, loopId, 'success', { handle: EACH });
  state.set(loopId, { row: entry, value: items[index], virtual: true });
  const rows = run.rows.get(key);
  if (rows) {
    const members = new Set(body.direct);
    for (const row of rows) if (members.has(row.node_id)) state.set(row.node_id, { row, value: decodeValue(row.output) });
  }
  return { key, nodes: body.direct, state, outer, loop: { item: items[index], index, items } };
}

/** `results[i]`: the output of the last body node (sources before targets) that ran in the iteration. */
function resultOf(iteration: Scope, body: CompiledLoop): unknown {
  for (let i = body.topo.length - 1; i >= 0; i--) {
    const s = iteration.state.get(body.topo[i]!);
    if (s && !s.virtual && (s.row.status === 'success' || s.row.status === 'error')) return s.value;
  }
  return null;
}

