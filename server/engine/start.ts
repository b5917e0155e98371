/** What starting an execution takes, shared by every trigger (webhooks, schedules, polls, manual runs). */
import type { ExecutionMode } from '#shared/execution.ts';
import type { StateSwap } from '../db/repos/trigger-state.repo.ts';
import type { StepRow } from '../db/store.ts';

/** Redelivery dedupe window (SPEC: 72 h): a key seen within it returns the first execution. */
export const IDEMPOTENCY_WINDOW_MS = 72 * 3600_000;

export type StartRequest = {
  workflowId: string;
  workflowVersion: number;
  triggerNodeId: string;
  mode: ExecutionMode;
  event: unknown;
  retryOf?: string;
  /** A retry: how it was made, and (from the failed step) the original's finished steps it starts with. */
  retryFrom?: 'start' | 'failed';
  carry?: StepRow[];
  /** flow.call: the calling execution, and how deep this child is in the call chain (1 = called by a top-level run). */
  parent?: { executionId: string; depth: number };
  /** Redelivery dedupe: a key seen on this token since `since` returns the first execution instead. */
  idempotency?: { token: string; key: string; since: number };
};

export type StartResult = { executionId: string; duplicate: boolean };
/** The durable execution path (execution.service `start`), as the engine's triggers see it. */
export type StartFn = (req: StartRequest) => Promise<StartResult>;

/** A schedule pass (execution.service `startPass`): compare-and-sets and the won starts, one transaction. */
export type StartPassFn = (
  swaps: readonly StateSwap[],
  reqs: readonly (StartRequest & { swapKey?: string })[],
) => Promise<{ won: Set<string>; results: (StartResult | null)[] }>;
