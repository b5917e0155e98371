/**
 * PostgreSQL's group commit: writes queued within one tick run in ONE transaction on one pooled
 * client, and each resolves only after COMMIT returned (synchronous_commit=on: the WAL is flushed).
 * PostgreSQL already merges concurrent commits into one WAL flush, so several batches run at once
 * (MAX_IN_FLIGHT); what batching saves is per-transaction work (BEGIN/COMMIT round trips, one
 * NOTIFY lock per batch instead of per row: ingest.ts) and, for mergeable ops (ingests, step writes), the
 * per-row statement: all ops of one kind in a batch become one multi-row statement. A batch that
 * comes down to one such statement runs without BEGIN/COMMIT (see MergeKind.oneStatement).
 *
 * A failing statement aborts the whole PG transaction (there is no cheap per-statement undo like
 * SQLite's), so ops are written not to fail in normal operation (ON CONFLICT, conditional WHERE).
 * If a batch fails anyway with a non-connection error, its ops are re-run one by one, each in its
 * own transaction, so only the bad op rejects. A connection-level failure rejects every op of the
 * batch with StoreUnavailableError: nothing is acknowledged that did not commit.
 */
import type pg from 'pg';
import { StoreUnavailableError } from '../store.ts';
import { isUnavailable, toStoreError } from './errors.ts';

/** What an op sees: statements on the batch's connection, inside its transaction. */
export type Tx = {
  /** `name`: run it as a named prepared statement (parsed once per connection). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[], name?: string): Promise<pg.QueryResult<R>>;
};

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };
/**
 * Ops that can run together: `runAll` gets the items of a batch in issue order, one outcome each.
 * `oneStatement(items)` says runAll will send exactly one statement for them: a batch that is only
 * that then runs without BEGIN/COMMIT, as one autocommit statement (atomic by itself), which
 * saves two of its three round trips.
 */
export type MergeKind<I, R> = { name: string; runAll(tx: Tx, items: I[]): Promise<Outcome<R>[]>; oneStatement?(items: I[]): boolean };

/**
 * Splits `items` (with their batch positions) into rounds in which no key repeats, keeping order:
 * one statement cannot touch a row twice, so a repeat waits for the next round and lands last.
 */
export function roundsOfDistinct<I>(items: readonly I[], keyOf: (item: I) => string): { item: I; i: number }[][] {
  const rounds: { item: I; i: number }[][] = [];
  let rest = items.map((item, i) => ({ item, i }));
  while (rest.length > 0) {
    const seen = new Set<string>();
    const round: typeof rest = [];
    const later: typeof rest = [];
    for (const x of rest) {
      const k = keyOf(x.item);
      (seen.has(k) ? later : round).push(x);
      seen.add(k);
    }
    rounds.push(round);
    rest = later;
  }
  return rounds;
}

type Pending = {
  keys: readonly string[];
  fn?: (tx: Tx) => Promise<unknown>;
  merge?: { kind: MergeKind<unknown, unknown>; item: unknown };
  resolve(v: unknown): void;
  reject(e: unknown): void;
};
type Batch = { keys: Set<string>; done: Promise<void> };
/** A step of a transaction: one plain op, or the ops merged into one `runAll`. */
type Unit = { kind?: MergeKind<unknown, unknown>; ops: Pending[] };

/** BEGIN itself failed: typically a pooled connection that died while idle (server restart). */
class BeginFailed extends Error {}
const unwrap = (err: unknown): unknown => (err instanceof BeginFailed ? err.cause : err);

export type Writer = {
  /**
   * Runs `fn` in the next shared transaction; resolves after COMMIT. `keys` name the rows it
   * touches (an execution id, an idempotency key): a batch waits for any in-flight batch sharing
   * a key, so one execution's writes commit in the order they were issued, and two of our own
   * batches never lock the same row against each other.
   */
  run<T>(keys: readonly string[], fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Like run, but merged with the batch's other ops of `kind` into one `runAll`. */
  merge<I, R>(kind: MergeKind<I, R>, keys: readonly string[], item: I): Promise<R>;
  /** Resolves once everything queued so far has committed (or failed). */
  drain(): Promise<void>;
  /** Drains, then refuses new work. */
  close(): Promise<void>;
  stats(): { batches: number; writes: number; statements: number; retried: number };
};

const MAX_IN_FLIGHT = 4;
const MAX_BATCH = 1000;
/** Deadlocks and serialization failures are transient: retry a lone op a few times. */
const TRANSIENT = new Set(['40P01', '40001']);

/**
 * Groups ops into units, keeping issue order wherever it matters: an op joins the open unit of
 * its kind only if no later unit touches one of its keys (so it never moves ahead of a write to
 * the same execution); otherwise it starts a new one.
 */
function plan(ops: readonly Pending[]): Unit[] {
  const units: Unit[] = [];
  const openOf = new Map<string, number>();
  const lastUnitOf = new Map<string, number>();
  for (const op of ops) {
    const open = op.merge ? openOf.get(op.merge.kind.name) : undefined;
    let at: number;
    if (open !== undefined && op.keys.every((k) => (lastUnitOf.get(k) ?? -1) <= open)) {
      units[open]!.ops.push(op);
      at = open;
    } else {
      at = units.push(op.merge ? { kind: op.merge.kind, ops: [op] } : { ops: [op] }) - 1;
      if (op.merge) openOf.set(op.merge.kind.name, at);
    }
    for (const k of op.keys) lastUnitOf.set(k, Math.max(at, lastUnitOf.get(k) ?? -1));
  }
  return units;
}

export function createWriter(pool: pg.Pool, target: string, options: { maxInFlight?: number; maxBatch?: number } = {}): Writer {
  const maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT;
  const maxBatch = options.maxBatch ?? MAX_BATCH;
  let queue: Pending[] = [];
  let scheduled = false;
  let closed = false;
  const inFlight = new Set<Batch>();
  const counts = { batches: 0, writes: 0, statements: 0, retried: 0 };

  /** Runs `ops` in one transaction; throws if it did not commit. Outcomes in op order. */
  async function transaction(client: pg.PoolClient, ops: readonly Pending[]): Promise<Outcome<unknown>[]> {
    let statements = 0;
    const tx: Tx = { query: (text, values, name) => (statements++, client.query(name ? { name, text, values } : { text, values })) };
    const units = plan(ops);
    const only = units.length === 1 ? units[0]! : undefined;
    const items = only?.kind ? only.ops.map((op) => op.merge!.item) : undefined;
    if (only?.kind?.oneStatement?.(items!)) {
      // No BEGIN, so a lost connection here is not known to have run nothing: it is not retried.
      const got = await only.kind.runAll(tx, items!);
      counts.batches++;
      counts.writes += ops.length;
      counts.statements += statements;
      return ops.map((_, i) => got[i] ?? { ok: false, error: new Error(`${only.kind!.name}: no outcome`) });
    }
    try {
      await client.query('BEGIN');
    } catch (err) {
      // Nothing of the batch reached the server: safe to run it again on a fresh connection.
      throw Object.assign(new BeginFailed(), { cause: err });
    }
    try {
      const outcomes = new Map<Pending, Outcome<unknown>>();
      for (const unit of units) {
        if (unit.kind) {
          const got = await unit.kind.runAll(tx, unit.ops.map((op) => op.merge!.item));
          unit.ops.forEach((op, i) => outcomes.set(op, got[i] ?? { ok: false, error: new Error(`${unit.kind!.name}: no outcome`) }));
        } else {
          outcomes.set(unit.ops[0]!, { ok: true, value: await unit.ops[0]!.fn!(tx) });
        }
      }
      const commit = await client.query('COMMIT');
      // An op that swallowed its own error leaves the transaction aborted; COMMIT then rolls back.
      if (commit.command === 'ROLLBACK') throw new Error('transaction was aborted by an earlier error');
      counts.batches++;
      counts.writes += ops.length;
      counts.statements += statements;
      return ops.map((op) => outcomes.get(op)!);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  const settle = (op: Pending, o: Outcome<unknown>) => (o.ok ? op.resolve(o.value) : op.reject(o.error));
  function rejectAll(ops: readonly Pending[], err: unknown): void {
    const e = toStoreError(unwrap(err), target);
    for (const op of ops) op.reject(e);
  }

  async function runBatch(ops: Pending[]): Promise<void> {
    // An idle connection found dead at BEGIN: one more try on a fresh one, then give up.
    let err = await runBatchOn(ops);
    if (err !== undefined) err = await runBatchOn(ops);
    if (err !== undefined) rejectAll(ops, err);
  }

  /** Settles every op, or returns the error if BEGIN of the first transaction found the connection dead. */
  async function runBatchOn(ops: Pending[]): Promise<unknown> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      rejectAll(ops, err);
      return undefined;
    }
    let broken = false;
    try {
      if (ops.length > 1) {
        try {
          const outcomes = await transaction(client, ops);
          ops.forEach((op, i) => settle(op, outcomes[i]!));
          return undefined;
        } catch (err) {
          if (isUnavailable(unwrap(err))) {
            broken = true;
            if (err instanceof BeginFailed) return err.cause ?? err;
            rejectAll(ops, err);
            return undefined;
          }
          // One bad op aborted the batch: fall through and isolate it.
        }
      }
      // One by one, in order, each in its own transaction (a lone op, or a batch that failed).
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i]!;
        for (let attempt = 1; ; attempt++) {
          try {
            settle(op, (await transaction(client, [op]))[0]!);
          } catch (err) {
            if (isUnavailable(unwrap(err))) {
              broken = true;
              if (err instanceof BeginFailed && i === 0) return err.cause ?? err;
              rejectAll(ops.slice(i), err);
              return undefined;
            }
            if (attempt < 3 && TRANSIENT.has((err as { code?: string }).code ?? '')) {
              counts.retried++;
              continue;
            }
            op.reject(err);
          }
          break;
        }
      }
      return undefined;
    } finally {
      // A client whose connection failed is destroyed, not handed back to the pool.
      client.release(broken ? true : undefined);
    }
  }

  function pump(): void {
    scheduled = false;
    while (queue.length > 0 && inFlight.size < maxInFlight) {
      const ops = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
      if (ops === queue) queue = [];
      const keys = new Set(ops.flatMap((op) => op.keys));
      const after: Promise<void>[] = [];
      for (const b of inFlight) if ([...b.keys].some((k) => keys.has(k))) after.push(b.done);
      const batch: Batch = { keys, done: Promise.resolve() };
      batch.done = Promise.all(after)
        .then(() => runBatch(ops))
        .finally(() => {
          inFlight.delete(batch);
          if (queue.length > 0) pump();
        });
      inFlight.add(batch);
    }
  }

  function enqueue<T>(op: Omit<Pending, 'resolve' | 'reject'>): Promise<T> {
    if (closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
    return new Promise<T>((resolve, reject) => {
      queue.push({ ...op, resolve: resolve as (v: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(pump);
      }
    });
  }

  async function drain(): Promise<void> {
    while (queue.length > 0 || inFlight.size > 0) {
      if (queue.length > 0 && inFlight.size < maxInFlight) pump();
      await Promise.all([...inFlight].map((b) => b.done));
    }
  }

  return {
    run: (keys, fn) => enqueue({ keys, fn }),
    merge: (kind, keys, item) => enqueue({ keys, merge: { kind: kind as MergeKind<unknown, unknown>, item } }),
    drain,
    async close() {
      closed = true;
      await drain();
    },
    stats: () => ({ ...counts }),
  };
}
