/**
 * flow.call's executor. The child execution is started once: its id is kept in the call's step,
 * and a crash between starting it and writing the step is covered by the start's idempotency key
 * (this execution, node and iteration), which returns the first child. With `wait` the step parks
 * (status `waiting`) until the child ends: the child's end wakes this execution, and the step is
 * also checked again after a backoff (2 s doubling to 60 s), so a wake-up lost in a crash or a
 * race costs at most that wait.
 */
import { NodeFailure } from '#shared/errors.ts';
import type { StepError } from '#shared/execution.ts';
import { MAX_CALL_DEPTH } from '#shared/nodes/flow-call.ts';
import { idempotencyKey } from '../node-context.ts';
import { stepKey, stepRow } from '../run.ts';
import { decodeValue } from '../step-codec.ts';
import { failed, succeeded } from '../step-runner.ts';
import type { NodeKind } from './index.ts';

/** What the engine needs from the services to run a child workflow (bound in the composition root). */
export type CallPort = {
  /** Starts the child (the workflow's active version, trigger output = payload); a repeated `key` returns the first child. */
  start(req: { workflowId: string; payload: unknown; parentExecutionId: string; depth: number; key: string }): Promise<{ executionId: string }>;
  /** The child's status, and once it has ended its error or last output. */
  result(executionId: string): Promise<{ status: string; error: StepError | null; lastOutput: unknown } | undefined>;
  /** A child ended: wake the execution that called it (best effort; the parent also re-checks). */
  finished(parentExecutionId: string): void;
};

const FIRST_CHECK_MS = 2_000;
const LAST_CHECK_MS = 60_000;

type Parked = { executionId: string; workflowId: string; checks: number };

export const runCall: NodeKind<'call'> = async (run, scope, cn, a) => {
  const id = cn.node.id;
  const prior = run.prior.get(stepKey(scope.key, id));
  const parked = prior ? (decodeValue(prior.output) as Partial<Parked> | null) : null;
  const startedAt = prior?.started_at ?? a.startedAt;
  try {
    const calls = run.deps.calls;
    if (!calls) throw new NodeFailure('calling workflows is not available in this process', { code: 'CALL_UNAVAILABLE' });
    let childId = typeof parked?.executionId === 'string' ? parked.executionId : undefined;
    if (!childId) {
      const depth = (await run.callDepth()) + 1;
      if (depth > MAX_CALL_DEPTH) {
        throw new NodeFailure(`calls nest at most ${MAX_CALL_DEPTH} deep: this would be call ${depth} (does a workflow call itself?)`, { code: 'CALL_TOO_DEEP' });
      }
      const key = idempotencyKey(run.executionId, id, scope.key);
      childId = (await calls.start({ workflowId: a.result.workflowId, payload: a.result.payload, parentExecutionId: run.executionId, depth, key })).executionId;
    }
    if (!a.result.wait) return succeeded(run, scope, id, a.attempts, startedAt, { kind: 'ok', output: { executionId: childId } });
    const child = await calls.result(childId);
    if (child?.status === 'success') return succeeded(run, scope, id, a.attempts, startedAt, { kind: 'ok', output: child.lastOutput ?? null });
    if (!child || child.status === 'error' || child.status === 'canceled') {
      const why = child?.error?.message ?? (child ? child.status : 'it no longer exists');
      throw new NodeFailure(`the called workflow failed: ${why}`, { code: 'CALL_FAILED', details: { executionId: childId, error: child?.error ?? null } });
    }
    const checks = (typeof parked?.checks === 'number' ? parked.checks : 0) + 1;
    const state: Parked = { executionId: childId, workflowId: a.result.workflowId, checks };
    const resumeAt = run.deps.clock.now() + Math.min(FIRST_CHECK_MS * 2 ** (checks - 1), LAST_CHECK_MS);
    const row = stepRow(run, scope, id, 'waiting', { attempts: a.attempts, started_at: startedAt, output: JSON.stringify(state), resume_at: resumeAt });
    return { row, value: state };
  } catch (err) {
    return failed(run, scope, cn, err, a.attempts, startedAt);
  }
};
