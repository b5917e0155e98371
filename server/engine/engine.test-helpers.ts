/**
 * Test-only wiring for engine.contract.test.ts: a store per database (SQLite temp file, or a fresh
 * PostgreSQL database), and an engine over it composed the way switchyard.ts composes one —
 * workflow repo → snapshot cache → expression engine → executor (real HTTP client) → queue
 * (in-process on SQLite, leased claims on PostgreSQL) → execution service — with no HTTP API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CredentialsPort, MailPort } from '#shared/nodes/define.ts';
import type { WorkflowNode, WorkflowSettings } from '#shared/workflow.ts';
import { freshDatabase } from '../../test/helpers/postgres.ts';
import { createHttpClient } from '../adapters/http-client.ts';
import { openPostgresStore, type PostgresStore } from '../db/postgres/driver.ts';
import { createExecutionQueryRepo } from '../db/repos/execution-query.repo.ts';
import { createWorkflowRepo } from '../db/repos/workflow.repo.ts';
import { openSqliteStore } from '../db/sqlite/driver.ts';
import { CHANNELS, type ClaimStore, type ExecutionRow, type ExecutionStore, type Lease, type Store } from '../db/store.ts';
import { systemClock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { createCallPort } from '../services/call.service.ts';
import { createExecutionService, toSummary, type ExecutionService } from '../services/execution.service.ts';
import { createClaimQueue, createRemoteQueue } from './claim-queue.ts';
import { createEngineEvents, isFinalStatus, type EngineEvents } from './events.ts';
import { createExecutor, type AdvanceResult, type Executor } from './executor.ts';
import { createExpressionEngine } from './expressions.ts';
import { createQueue, type Queue } from './queue.ts';
import { createSnapshotCache } from './snapshots.ts';

/** One database to run the engine over. `another()` opens a second store on it (a second process). */
export type Database = { store: Store; another(): Promise<Store>; cleanup(): Promise<void> };
export type Backend = { name: 'sqlite' | 'postgres'; open(): Promise<Database> };

export const sqliteBackend: Backend = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'sy-engine-'));
    const store = openSqliteStore(join(dir, 'switchyard.db'), { dataDir: dir });
    return {
      store,
      another: () => Promise.reject(new Error('SQLite is one process')),
      cleanup: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })),
    };
  },
};

export const postgresBackend: Backend = {
  name: 'postgres',
  async open() {
    const db = await freshDatabase('engine');
    const stores: PostgresStore[] = [await openPostgresStore(db.url, { poolSize: 4 })];
    return {
      store: stores[0]!,
      async another() {
        const s = await openPostgresStore(db.url, { poolSize: 4 });
        stores.push(s);
        return s;
      },
      cleanup: async () => (await Promise.all(stores.map((s) => s.close())), await db.drop()),
    };
  },
};

/** A logger that keeps errors and warnings, so a test can say none were logged. */
export function recordingLogger(): Logger & { lines: { level: string; msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const make = (): Logger => ({
    debug() {},
    info() {},
    warn: (msg, fields) => void lines.push({ level: 'warn', msg, ...(fields ? { fields } : {}) }),
    error: (msg, fields) => void lines.push({ level: 'error', msg, ...(fields ? { fields } : {}) }),
    child: () => make(),
    isEnabled: (l) => l === 'warn' || l === 'error',
  });
  return Object.assign(make(), { lines });
}

export type EngineOptions = {
  /** PostgreSQL: lease_owner of this engine's claim queue. */
  owner?: string;
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
  /** Wraps what the claim queue sees of the ClaimStore (record claims, stop renewals). */
  claims?: (c: ClaimStore) => ClaimStore;
  /** Wraps what the executor sees of the ExecutionStore (record writes). */
  executions?: (s: ExecutionStore) => ExecutionStore;
  /** Wraps the executor the queue drives (record advance results). */
  executor?: (e: Executor) => Executor;
  /** PostgreSQL: ingest only, like a `web` process (workers elsewhere claim). */
  remote?: boolean;
};

export type Engine = {
  store: Store;
  events: EngineEvents;
  queue: Queue & { wake?(): void };
  service: ExecutionService;
  logger: ReturnType<typeof recordingLogger>;
  stop(): Promise<void>;
};

const mail: MailPort = { send: async (msg) => ({ messageId: msg.messageId ?? '<none@test>', accepted: [], rejected: [], captured: true }) };
const credentials: CredentialsPort = { headersFor: async (id) => ({ authorization: `Bearer token-of-${id}` }) };

export async function createEngine(store: Store, o: EngineOptions = {}): Promise<Engine> {
  const clock = systemClock;
  const logger = recordingLogger();
  const events = createEngineEvents();
  const workflows = createWorkflowRepo(store.kysely);
  const snapshots = createSnapshotCache((id, v) => workflows.getVersion(id, v));
  const expressions = createExpressionEngine();
  const http = createHttpClient({ blockPrivate: false });
  const base = createExecutor({
    store: o.executions ? o.executions(store.executions) : store.executions,
    snapshots,
    expressions,
    events,
    clock,
    logger,
    ports: { http, mail, credentials },
    calls: { start: (r) => calls.start(r), result: (id) => calls.result(id), finished: (id) => calls.finished(id) },
  });
  const executor = o.executor ? o.executor(base) : base;
  let listener: { close(): Promise<void> } | undefined;
  let queue: Engine['queue'];
  if (!store.claims) {
    queue = createQueue({ executor, store: store.executions, clock, logger, concurrency: o.concurrency ?? 8 });
  } else if (o.remote) {
    queue = createRemoteQueue();
  } else {
    const claimQueue = createClaimQueue({
      executor,
      claims: o.claims ? o.claims(store.claims) : store.claims,
      clock,
      logger,
      owner: o.owner ?? 'worker-1',
      concurrency: o.concurrency ?? 8,
      leaseMs: o.leaseMs ?? 1000,
      pollMs: o.pollMs ?? 200,
    });
    queue = claimQueue;
    // As switchyard.ts wires it: every ingest batch's NOTIFY wakes the queue.
    listener = await (store as PostgresStore).listen([CHANNELS.queue], () => claimQueue.wake(), { onReconnect: () => claimQueue.wake() });
  }
  const service = createExecutionService({ store: store.executions, query: createExecutionQueryRepo(store.kysely, toSummary, store.dialect), queue, events, snapshots, clock });
  const calls = createCallPort({ workflow: (id) => workflows.get(id), executions: service, store: store.executions, queue, clock, logger });
  let stopped = false;
  return {
    store,
    events,
    queue,
    service,
    logger,
    async stop() {
      if (stopped) return;
      stopped = true;
      await queue.stop();
      await listener?.close();
      await store.sync();
      await expressions.close();
      await http.close();
    },
  };
}

type NodeSpec = Pick<WorkflowNode, 'id' | 'type'> & Partial<WorkflowNode>;

/** Saves a workflow (version 1) through the repository; nodes are chained in order unless `edges` are given. */
export async function saveWorkflow(
  store: Store,
  id: string,
  nodes: NodeSpec[],
  edges?: { source: string; target: string; sourceHandle?: string }[],
  settings: WorkflowSettings = {},
) {
  const links = edges ?? nodes.slice(1).map((n, i) => ({ source: nodes[i]!.id, target: n.id }));
  await createWorkflowRepo(store.kysely).save({
    id,
    name: id,
    active: true,
    version: 1,
    nodes: nodes.map((n) => ({ position: { x: 0, y: 0 }, config: {}, ...n })),
    edges: links.map((e, i) => ({ id: `e${i}`, ...e })),
    settings,
    createdAt: 1,
    updatedAt: 1,
  });
  return { workflowId: id, workflowVersion: 1, triggerNodeId: nodes[0]!.id };
}

/** Polls `fn` until it returns something other than undefined/false; throws after `timeoutMs`. */
export async function until<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as Exclude<T, undefined | false>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits, by polling the store, until the execution has a final status. */
export const finished = (store: Store, id: string, timeoutMs = 10_000): Promise<ExecutionRow> =>
  until(async () => {
    const row = await store.executions.getExecution(id);
    return row && isFinalStatus(row.status) ? row : undefined;
  }, timeoutMs, `execution ${id} to finish`);

/** A promise with its resolve outside (blocks a sink's answer until the test lets it go). */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

export type ClaimRecord = { id: string; owner: string; fence: number; now: number; until: number; at: number };
export type ReleaseRecord = { id: string; owner: string | undefined; fence: number | undefined; at: number };

/** Records every claim an owner's queue makes; `renew` is paused while `paused()` says so. */
export const recordClaims = (log: ClaimRecord[], paused: () => boolean = () => false) => (c: ClaimStore): ClaimStore => ({
  ...c,
  async claim(owner, limit, now, leaseMs) {
    const got = await c.claim(owner, limit, now, leaseMs);
    for (const x of got) log.push({ id: x.row.id, owner, fence: x.lease.fence, now, until: now + leaseMs, at: Date.now() });
    return got;
  },
  renew: (owner, until) => (paused() ? Promise.resolve(0) : c.renew(owner, until)),
});
/** Records when a worker gives an execution up (park, finish: the lease goes with the write). */
export const recordReleases = (log: ReleaseRecord[]) => (s: ExecutionStore): ExecutionStore => ({
  ...s,
  park: (id, wakeAt, lease, activeMs) => (log.push({ id, owner: lease?.owner, fence: lease?.fence, at: Date.now() }), s.park(id, wakeAt, lease, activeMs)),
  finish: (id, st, err, at, startedAt, lease) => (log.push({ id, owner: lease?.owner, fence: lease?.fence, at: Date.now() }), s.finish(id, st, err, at, startedAt, lease)),
});
/** Records what each advance() was given and how it ended. */
export const recordAdvances = (log: { id: string; lease: Lease | undefined; result: AdvanceResult }[]) => (x: Executor): Executor => ({
  ...x,
  advance: async (id, hint, lease) => {
    const result = await x.advance(id, hint, lease);
    log.push({ id, lease, result });
    return result;
  },
});
