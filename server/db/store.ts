/**
 * The store port: everything the engine and the services ask of the database, asynchronous, with
 * one driver per dialect behind it (sqlite/ and postgres/). Group commit, fdatasync and the WAL
 * checkpointer are private details of the SQLite driver; PostgreSQL batches its own way. Both share
 * the Kysely repositories in repos/ (one query language) and differ only where SQL must.
 */
import type { Kysely, Selectable } from 'kysely';
import type { StateSwap } from './repos/trigger-state.repo.ts';
import type { ExecutionsTable, Schema, StepsTable, WebhookRequestRow, WebhookStatsRow } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

/**
 * An executions row as the engine reads it (the lease columns are the claim queue's business).
 * `summary` is written at ingest and read by the list and getExecution; a claimed row lacks it.
 */
export type ExecutionRow = Omit<
  Selectable<ExecutionsTable>,
  'lease_owner' | 'lease_until' | 'fence' | 'summary' | 'parent_execution_id' | 'call_depth' | 'retry_from' | 'active_ms' | 'concurrency_key' | 'concurrency_limit'
> & {
  /** A retry: from the start or from the failed step (absent otherwise). */
  retry_from?: string | null;
  summary?: string | null;
  /** flow.call: the calling execution and the chain's depth (absent: a top-level execution, depth 0). */
  parent_execution_id?: string | null;
  call_depth?: number;
  /** Running time used of the workflow's timeout, as last stored (absent: not read, e.g. a claimed row). */
  active_ms?: number;
  /**
   * settings.concurrency: the group the execution waits for a slot in, and its limit, written at
   * ingest (engine/concurrency.ts); absent or null: unlimited. Reads other than listUnfinished leave them out.
   */
  concurrency_key?: string | null;
  concurrency_limit?: number | null;
};

/** An unfinished execution as the in-process queue resumes it at boot. */
export type UnfinishedRow = { id: string; wake_at: number | null; concurrency_key: string | null; concurrency_limit: number | null };

export type StepRow = Selectable<StepsTable>;

/**
 * A worker's hold on an execution (PostgreSQL). `fence` is bumped by compare-and-set each time a
 * worker takes the execution; every write of that worker checks it in the same transaction, so a
 * worker that lost its lease (paused, partitioned, presumed dead) loses its next write instead of
 * advancing the execution beside the new owner. SQLite has one process: no lease, no fence.
 */
export type Lease = { owner: string; fence: number };

export type IngestRequest = {
  execution: ExecutionRow;
  triggerStep: StepRow;
  /** Redelivery dedupe: a key seen on this token since `since` returns the first execution instead. */
  idempotency?: { token: string; key: string; since: number };
  /** Steps that come with the execution (a retry from the failed step copies the finished ones), in the same transaction. */
  steps?: StepRow[];
  /** Take the lease at insert (a worker process starting its own execution at once). */
  leaseTo?: { owner: string; until: number };
};
export type SwapIngest = IngestRequest & { swapKey?: string };
export type IngestResult = { executionId: string; duplicate: boolean; lease?: Lease };

/** The execution hot path: ingest, step writes, queue scans. Writes resolve once durable. */
export type ExecutionStore = {
  /**
   * Whether writes commit in the order they were issued (SQLite's group commit is one FIFO). When
   * not (PostgreSQL runs several batches at once), the executor waits for an execution's step
   * writes before writing its final status.
   */
  fifo: boolean;
  /** Execution row, trigger step and idempotency record in one transaction (and, on PostgreSQL, the wake-up). */
  ingest(req: IngestRequest): Promise<IngestResult>;
  /** Several ingests in one transaction, all or nothing. */
  ingestMany(reqs: IngestRequest[]): Promise<IngestResult[]>;
  /**
   * A schedule pass, in ONE transaction: every compare-and-set of `swaps` on trigger_state, then
   * each ingest whose `swapKey` (stateKey(workflowId, nodeId)) won — or that has none. A lost swap
   * starts nothing, and a slot's idempotency key (unique per workflow, node and slot) makes a
   * second start of one slot a duplicate even if two passes somehow both won: exactly once.
   */
  ingestWithSwaps(swaps: readonly StateSwap[], reqs: readonly SwapIngest[], at: number): Promise<{ won: Set<string>; results: (IngestResult | null)[] }>;
  /** false: the lease was lost (another worker owns the execution now); nothing was written. */
  writeStep(row: StepRow, lease?: Lease): Promise<boolean>;
  markRunning(id: string, at: number, lease?: Lease): Promise<boolean>;
  finish(id: string, status: 'success' | 'error' | 'canceled', error: string | null, at: number, startedAt: number, lease?: Lease): Promise<boolean>;
  /**
   * Parks a waiting execution until `wakeAt` (and gives up its lease: any worker may wake it);
   * `activeMs`, when given, is stored as its running time so far (the timeout's budget).
   */
  park(id: string, wakeAt: number, lease?: Lease, activeMs?: number): Promise<boolean>;
  /** Stores an unfinished execution's running time so far (the timeout's budget; engine/timeout.ts). */
  recordActive(id: string, activeMs: number, lease?: Lease): Promise<boolean>;
  /**
   * Brings a parked execution's wake-up forward to `at` (a called child ended); false when it was
   * not parked or was due already. PostgreSQL also wakes idle workers.
   */
  wake(id: string, at: number): Promise<boolean>;
  /**
   * Ends an unfinished execution as canceled (`error` its stored reason); false when it had already
   * ended. Its later writes change nothing: markRunning, park and finish touch unfinished rows only.
   */
  cancel(id: string, error: string, at: number): Promise<boolean>;
  getExecution(id: string): Promise<ExecutionRow | undefined>;
  getSteps(id: string): Promise<StepRow[]>;
  /**
   * The execution and its steps as of one moment (one statement on PostgreSQL, one synchronous
   * read on SQLite): a reader never sees a step whose execution row does not yet say so.
   */
  getExecutionWithSteps(id: string): Promise<{ execution: ExecutionRow; steps: StepRow[] } | undefined>;
  /** One step; `iteration` '' (the default) outside loops. */
  getStep(id: string, nodeId: string, iteration?: string): Promise<StepRow | undefined>;
  /** Executions to resume at boot (SQLite): queued or running, oldest first, with their wake time if parked and their concurrency group. */
  listUnfinished(): Promise<UnfinishedRow[]>;
  /** Whether the workflow has a queued or running execution (schedule overlap). */
  hasUnfinished(workflowId: string): Promise<boolean>;
};

/** A claimed execution with its lease, and its steps as read after the claim committed (if that read worked). */
export type Claimed = { row: ExecutionRow; lease: Lease; steps?: StepRow[] };

/** The shared queue of a multi-process deployment (PostgreSQL): executions claimed with a lease. */
export type ClaimStore = {
  /**
   * Takes up to `limit` runnable executions (queued, due, lease free or expired), oldest first. An
   * execution with a concurrency group is taken only while fewer than its limit of the group hold
   * a live lease (a slot), however many processes claim at once.
   */
  claim(owner: string, limit: number, now: number, leaseMs: number): Promise<Claimed[]>;
  /** Extends every lease `owner` holds; returns how many. */
  renew(owner: string, until: number): Promise<number>;
  /** Gives leases back at once (graceful stop), so another worker need not wait for them to expire. */
  release(owner: string): Promise<void>;
  /** The earliest `wake_at` of a parked execution, or null. */
  nextWake(): Promise<number | null>;
};

export type { WebhookRequestRow, WebhookStatsRow };
export type AuthFailures = { count: number; at: number; reason: string };

/** The request inspector keeps this many requests per webhook node. */
export const INSPECTOR_KEEP = 50;

/** The request inspector's rows: written in batches, trimmed to the newest INSPECTOR_KEEP per hook. */
export type InspectorStore = {
  append(workflowId: string, nodeId: string, rows: WebhookRequestRow[], failures?: AuthFailures): Promise<void>;
  list(workflowId: string, nodeId: string): Promise<WebhookRequestRow[]>;
  get(workflowId: string, nodeId: string, id: string): Promise<WebhookRequestRow | undefined>;
  stats(workflowId: string, nodeId: string): Promise<WebhookStatsRow | undefined>;
};

/** Cross-process signals (PostgreSQL): NOTIFY is a wake-up, never the truth — receivers re-read the database. */
export type Notifications = {
  /** LISTENs on a dedicated connection that reconnects by itself; `onReconnect` after each re-LISTEN. */
  listen(channels: readonly string[], handler: (channel: string, payload: string) => void, onReconnect?: () => void): Promise<{ close(): Promise<void> }>;
  /** Sends `payloads`, packed into as few notifications as fit under 8,000 bytes each. */
  notify(channel: string, payloads: readonly string[]): Promise<void>;
  /**
   * A session advisory lock named `name`, held on a dedicated connection and retried every few
   * seconds; `onChange(true)` when this process takes it, `onChange(false)` when it loses it.
   */
  leadership(name: string, onChange: (held: boolean) => void): { held(): boolean; stop(): Promise<void> };
};

export type Store = {
  dialect: Dialect;
  /** Every other repository (workflows, auth, credentials, trigger state, …) is Kysely over this. */
  kysely: Kysely<Schema>;
  executions: ExecutionStore;
  inspector: InspectorStore;
  /** PostgreSQL only: the multi-process queue. */
  claims?: ClaimStore;
  /**
   * SQLite with EXECUTION_SEARCH_INDEX=on: a read connection that also sees the full-text index
   * (sqlite/search-index.ts), for `q` (repos/execution-search.ts); not ready while it is built.
   */
  search?: { kysely: Kysely<Schema>; isReady(): boolean };
  /** PostgreSQL only: LISTEN/NOTIFY and leadership, for processes sharing the database. */
  notifications?: Notifications;
  /** Makes every write committed so far durable (SQLite: a WAL fsync; PostgreSQL: already so). */
  sync(): Promise<void>;
  /** Gives space back after pruning (SQLite: incremental vacuum + WAL truncate). */
  compact(): Promise<{ freedPages: number }>;
  /** Throws when the database cannot be written now (readiness). */
  ping(): Promise<void>;
  /** Driver counters for benchmarks and tests (group commit batches, writes, syncs). */
  stats(): Record<string, number>;
  /** Commits whatever is queued and closes every connection. */
  close(): Promise<void>;
};

/**
 * The database cannot be reached or written right now (connection refused, lost, read-only).
 * Webhooks answer 503 with Retry-After for it, readiness says not ready; nothing is acknowledged.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** NOTIFY channels (PostgreSQL): queue wake-ups, engine events, trigger changes. Payloads stay under 8,000 bytes. */
export const CHANNELS = { queue: 'switchyard_queue', events: 'switchyard_events', triggers: 'switchyard_triggers' } as const;
