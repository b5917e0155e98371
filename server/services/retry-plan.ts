/**
 * What a retry runs (POST /api/executions/:id/retry). `from: "start"` runs the trigger event again;
 * `from: "failed"` carries over every step the original finished — successes, skips, errors it went
 * on past — so only the failed node and what follows run (a loop resumes at its failed item: its
 * finished items are carried over too). `version: "current"` runs on the workflow's version now;
 * a carried step whose node that version no longer has is refused (409, naming them).
 */
import { AppError } from '#shared/errors.ts';
import type { StepRow } from '../db/store.ts';
import type { CompiledWorkflow } from '../engine/snapshots.ts';

export type RetryOptions = { from: 'start' | 'failed'; version: 'original' | 'current' };

export type RetryPlan = { triggerNodeId: string; event: unknown; carry: StepRow[] };

/** A step the new execution starts with: finished and not the failure (nor a park or a loop under way). */
const carried = (s: StepRow) => s.status === 'success' || s.status === 'skipped' || (s.status === 'error' && s.handle !== '');

export function planRetry(original: { status: string; steps: StepRow[]; wf: CompiledWorkflow }, target: CompiledWorkflow, o: RetryOptions): RetryPlan {
  const triggerId = original.wf.triggerId;
  const triggerStep = triggerId ? original.steps.find((s) => s.node_id === triggerId && s.iteration === '') : undefined;
  if (!triggerId || !triggerStep) throw new AppError('CONFLICT', 'the execution has no trigger event to retry');
  const event = triggerStep.output ? JSON.parse(triggerStep.output) : null;
  if (!target.triggerId) throw new AppError('CONFLICT', 'the workflow version to retry on has no trigger');
  if (o.from === 'start') return { triggerNodeId: target.triggerId, event, carry: [] };

  if (original.status !== 'error') throw new AppError('CONFLICT', `only a failed execution can be retried from the failed step (this one is ${original.status})`);
  if (target.triggerId !== triggerId) {
    throw new AppError('CONFLICT', `the trigger "${triggerId}" of the original run is not in the current version`, { details: [{ path: 'version', message: `missing node "${triggerId}"` }] });
  }
  const carry = original.steps.filter((s) => s.node_id !== triggerId && carried(s));
  const missing = [...new Set(carry.map((s) => s.node_id).filter((id) => !target.nodes.has(id)))];
  if (missing.length) {
    throw new AppError('CONFLICT', `the current version no longer has ${missing.map((m) => `"${m}"`).join(', ')}, which the original run finished; retry from the start, or on the original version`, {
      details: missing.map((id) => ({ path: 'version', message: `missing node "${id}"` })),
    });
  }
  return { triggerNodeId: triggerId, event, carry };
}
