/** Executions and their steps (SPEC "Running"). */
import { z } from 'zod';

export const ExecutionStatus = z.enum(['queued', 'running', 'success', 'error', 'canceled']);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;

/** `running`: a flow.forEach still going through its items (its output says how far: `{total, done}`). */
export const StepStatus = z.enum(['success', 'error', 'skipped', 'waiting', 'running']);
export type StepStatus = z.infer<typeof StepStatus>;

export const ExecutionMode = z.enum(['webhook', 'schedule', 'poll', 'manual', 'retry', 'replay', 'call', 'error']);
export type ExecutionMode = z.infer<typeof ExecutionMode>;

export const StepError = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
export type StepError = z.infer<typeof StepError>;

export const Step = z.object({
  nodeId: z.string(),
  /**
   * Which loop item the step ran for: absent outside loops, `"3"` for a flow.forEach's fourth item,
   * `"3.1"` for the second item of a loop nested in it.
   */
  iteration: z.string().optional(),
  status: StepStatus,
  attempts: z.number().int(),
  input: z.unknown(),
  output: z.unknown(),
  error: StepError.nullable(),
  /** Which out-handle was taken (`logic.if`), or null for all. */
  handle: z.string().nullable().optional(),
  truncated: z.boolean().optional(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable().optional(),
});
export type Step = z.infer<typeof Step>;

/** Iteration keys in item order: '' (outside loops) first, then '2' before '10', '3' before '3.1'. */
export function compareIterations(a: string, b: string): number {
  if (a === b) return 0;
  const x = a === '' ? [] : a.split('.').map(Number);
  const y = b === '' ? [] : b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** The node an execution failed at, as it was named in the version that ran. */
export const FailedNode = z.object({ id: z.string(), name: z.string(), type: z.string() });
export type FailedNode = z.infer<typeof FailedNode>;

export const ExecutionSummary = z.object({
  id: z.string(),
  workflowId: z.string(),
  workflowVersion: z.number().int(),
  workflowName: z.string().optional(),
  status: ExecutionStatus,
  mode: ExecutionMode,
  retryOf: z.string().nullable(),
  /** A retry: from the start, or from the failed step (the original's finished steps carried over). */
  retriedFrom: z.enum(['start', 'failed']).optional(),
  /** flow.call: the execution that called this one (absent for every other run). */
  parentExecutionId: z.string().optional(),
  error: StepError.nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  /** The trigger event in one line (e.g. a webhook body's first fields); null for runs recorded before it existed. */
  summary: z.string().nullable(),
  /** Where a failed execution stopped (its `error` says why); null otherwise. */
  failedNode: FailedNode.nullable(),
});
export type ExecutionSummary = z.infer<typeof ExecutionSummary>;

export const ExecutionDetail = ExecutionSummary.extend({
  steps: z.array(Step),
  /** The executions this one's flow.call steps started (absent when none). */
  children: z.array(ExecutionSummary).optional(),
});
export type ExecutionDetail = z.infer<typeof ExecutionDetail>;
