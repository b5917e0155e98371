/**
 * What one advance() of an execution shares with the scope runner and the node kinds: the
 * execution, its compiled version, the step log as loaded, and how a step is recorded.
 */
import type { StepError } from '#shared/execution.ts';
import type { ExecutionRow, Lease, StepRow } from '../db/store.ts';
import type { Logger } from '../lib/logger.ts';
import type { ExecutorDeps } from './executor.ts';
import type { CompiledWorkflow } from './snapshots.ts';
import type { InFlight } from './timeout.ts';

/** One node's step in memory. `value` is the full output (the stored one may be truncated). */
export type NodeState = { row: StepRow; value: unknown; virtual?: true };

/** Where an execution (or one loop iteration) failed, named as the version that ran names it. */
export type Failure = StepError & { nodeId: string; nodeName: string; nodeType: string; iteration?: string };

/**
 * A set of nodes run together: the execution itself (key ''), or one iteration of a loop (key
 * '3', or '3.1' inside a nested loop). Its state holds only its own steps; `outer` is what its
 * expressions see of the steps around it.
 */
export type Scope = {
  key: string;
  nodes: readonly string[];
  state: Map<string, NodeState>;
  outer: Readonly<Record<string, unknown>>;
  loop?: { item: unknown; index: number; items: readonly unknown[] };
};

/** What a node kind hands back: the step to record (`unwritten`: already stored, keep it in memory only). */
export type Outcome = { row: StepRow; value: unknown; unwritten?: true };

export type Run = {
  deps: ExecutorDeps;
  wf: CompiledWorkflow;
  exec: ExecutionRow;
  executionId: string;
  lease: Lease | undefined;
  log: Logger;
  trigger: unknown;
  signal: AbortSignal;
  maxBytes: number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Shutting down, or the lease was lost: stop starting work, record nothing more. */
  stopped(): boolean;
  /** Keeps a finished step in its scope, writes it, and announces it. */
  record(scope: Scope, row: StepRow, value: unknown): void;
  /** Writes and announces a step without keeping it (a loop's progress). */
  announce(row: StepRow): void;
  /** Loaded rows of loop iterations, by iteration key (the execution's own are in the root scope). */
  rows: ReadonlyMap<string, StepRow[]>;
  /** Loop and call steps found unfinished: their executor picks them up where they were. */
  prior: ReadonlyMap<string, StepRow>;
  /** When parked steps fall due, gathered as scopes end. */
  wakes: number[];
  /** Steps running now, by stepKey, in the order they started (the timeout names the last). */
  inFlight: Map<string, InFlight>;
  /** The Respond node answering the request (the first reached); later ones are skipped. */
  responder: string | undefined;
  callDepth(): Promise<number>;
};

export const stepKey = (iteration: string, nodeId: string): string => `${iteration}\u0000${nodeId}`;

export function stepRow(run: Pick<Run, 'executionId'>, scope: Pick<Scope, 'key'>, nodeId: string, status: string, fields: Partial<StepRow>): StepRow {
  return {
    execution_id: run.executionId,
    node_id: nodeId,
    iteration: scope.key,
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

/** The outputs a scope's expressions see as `steps`: the enclosing scopes', then its own. */
export function stepsView(scope: Scope): Record<string, unknown> {
  const out: Record<string, unknown> = { ...scope.outer };
  for (const [id, s] of scope.state) if (!s.virtual && (s.row.status === 'success' || s.row.status === 'error')) out[id] = s.value;
  return out;
}

export const isDone = (s: NodeState | undefined): boolean => s !== undefined && (s.row.status === 'success' || s.row.status === 'error' || s.row.status === 'skipped');
