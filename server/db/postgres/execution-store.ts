/**
 * The execution hot path and the shared queue on PostgreSQL. Writes go through the batching writer
 * (writer.ts; ingests and step writes merged into multi-row statements: ingest.ts, steps.ts);
 * reads and claims run directly on the pool. Every write is a statement that does not fail in
 * normal operation (ON CONFLICT, conditional WHERE), because a failed statement aborts the whole
 * shared transaction. With a lease, the fence check is part of the same statement.
 */
import type pg from 'pg';
import { stateKey, type StateSwap } from '../repos/trigger-state.repo.ts';
import { CHANNELS, type ClaimStore, type Claimed, type ExecutionRow, type ExecutionStore, type IngestResult, type Lease, type StepRow, type UnfinishedRow } from '../store.ts';
import { ingestAll, ingestKeys, ingests } from './ingest.ts';
import type { Reader } from './reader.ts';
import { stepWrites } from './steps.ts';
import { roundsOfDistinct, type MergeKind, type Outcome, type Tx, type Writer } from './writer.ts';

/** The columns of ExecutionRow, so reads return the same shape on both dialects (no lease columns). */
const EXEC_COLS = 'id, workflow_id, workflow_version, status, mode, retry_of, error, created_at, started_at, finished_at, wake_at';
const STEP_COLS = 'execution_id, node_id, iteration, status, attempts, input, output, error, handle, truncated, started_at, finished_at, resume_at';
/** The execution's columns as `e_<col>` and its steps' as `s_<col>`, for the one-statement detail read. */
const prefixed = (cols: string, table: string, prefix: string) => cols.split(', ').map((c) => `${table}.${c} AS ${prefix}${c}`).join(', ');
const DETAIL_SQL = `SELECT ${prefixed(`${EXEC_COLS}, summary, parent_execution_id, call_depth, retry_from, active_ms`, 'e', 'e_')}, ${prefixed(STEP_COLS, 's', 's_')}
  FROM executions e LEFT JOIN steps s ON s.execution_id = e.id WHERE e.id = $1`;
const unprefixed = <T>(row: Record<string, unknown>, prefix: string): T =>
  Object.fromEntries(Object.entries(row).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : []))) as T;

/**
 * markRunning, finish and park of a batch as one UPDATE (a MergeKind of the writer). With a lease,
 * the row changes only while it still carries this worker's owner and fence (READ COMMITTED
 * re-checks that on a row a takeover changed meanwhile); the ids it returns are the writes that won.
 * finish and park give the lease up: a parked execution has no owner, and whichever worker claims
 * it once due wakes it (with fence + 1).
 * The ids also go in as an array: `x.id = ANY($2)` is a primary-key lookup whatever the statistics
 * say, where the join alone was planned (generic plan, made while the table was small) as a hash
 * join over a sequential scan of every execution: 10 ms per batch at 17,000 rows.
 */
export const UPDATE_EXECUTIONS = `WITH j AS (SELECT * FROM json_to_recordset($1::json)
    AS j(id text, op text, status text, error text, at bigint, started_at bigint, wake_at bigint, active_ms bigint, lease_owner text, fence integer)),
  u AS (UPDATE executions x SET
    status = CASE j.op WHEN 'run' THEN 'running' WHEN 'finish' THEN j.status ELSE x.status END,
    error = CASE j.op WHEN 'finish' THEN j.error ELSE x.error END,
    finished_at = CASE j.op WHEN 'finish' THEN j.at ELSE x.finished_at END,
    started_at = CASE j.op WHEN 'run' THEN COALESCE(x.started_at, j.at) WHEN 'finish' THEN COALESCE(x.started_at, j.started_at) ELSE x.started_at END,
    wake_at = CASE j.op WHEN 'park' THEN j.wake_at WHEN 'active' THEN x.wake_at ELSE NULL END,
    active_ms = COALESCE(j.active_ms, x.active_ms),
    lease_owner = CASE WHEN j.op IN ('finish', 'park') THEN NULL ELSE x.lease_owner END,
    lease_until = CASE WHEN j.op IN ('finish', 'park') THEN NULL ELSE x.lease_until END
  FROM j WHERE x.id = ANY($2::text[]) AND x.id = j.id AND (j.lease_owner IS NULL OR (x.lease_owner = j.lease_owner AND x.fence = j.fence))
    AND (j.op <> 'active' OR x.status IN ('queued', 'running'))
  RETURNING x.id, j.op, j.status AS finished_as, j.at),
  -- A failure is queued for error workflows in the same statement (services/error-dispatch.ts).
  f AS (INSERT INTO failures (execution_id, created_at) SELECT id, at FROM u WHERE op = 'finish' AND finished_as = 'error' ON CONFLICT DO NOTHING)
  SELECT id FROM u`;

type ExecUpdate = {
  id: string;
  /** `active`: only the running time (a timeout checkpoint, engine/timeout.ts). */
  op: 'run' | 'finish' | 'park' | 'active';
  status?: string;
  error?: string | null;
  at?: number;
  started_at?: number;
  wake_at?: number;
  active_ms?: number;
  lease_owner?: string;
  fence?: number;
};

const executionUpdates: MergeKind<ExecUpdate, boolean> = {
  name: 'execution-updates',
  oneStatement: (items) => roundsOfDistinct(items, (u) => u.id).length === 1,
  async runAll(tx, items) {
    const out: Outcome<boolean>[] = new Array(items.length);
    // UPDATE … FROM applies one source row per target row: a repeated id waits for the next round.
    for (const round of roundsOfDistinct(items, (u) => u.id)) {
      const { rows } = await tx.query<{ id: string }>(
        UPDATE_EXECUTIONS,
        [JSON.stringify(round.map((x) => x.item)), round.map((x) => x.item.id)],
        'sy_update_executions',
      );
      const won = new Set(rows.map((r) => r.id));
      for (const x of round) out[x.i] = { ok: true, value: won.has(x.item.id) };
    }
    return out;
  },
};
const withLease = (u: ExecUpdate, lease?: Lease): ExecUpdate => (lease ? { ...u, lease_owner: lease.owner, fence: lease.fence } : u);

/**
 * Locks the rows first, in key order, so two schedule passes over overlapping triggers queue up
 * instead of deadlocking (UPDATE … FROM locks in join order, which nothing fixes).
 */
const LOCK_STATES = `SELECT 1 FROM trigger_state t JOIN json_to_recordset($1::json) AS j(w text, n text) ON t.workflow_id = j.w AND t.node_id = j.n
  ORDER BY t.workflow_id, t.node_id FOR UPDATE OF t`;
/** Compare-and-set on the exact stored text; READ COMMITTED re-checks `t.state = j.e` on a row changed meanwhile. */
const SWAP_STATES = `UPDATE trigger_state t SET state = j.x, updated_at = $2
  FROM json_to_recordset($1::json) AS j(w text, n text, e text, x text)
  WHERE t.workflow_id = j.w AND t.node_id = j.n AND t.state = j.e
  RETURNING t.workflow_id, t.node_id`;
const SWAP_CHUNK = 2000;

async function swapStates(tx: Tx, swaps: readonly StateSwap[], at: number): Promise<Set<string>> {
  const won = new Set<string>();
  const rows = swaps.map((s) => ({ w: s.workflowId, n: s.nodeId, e: s.expect, x: s.next }));
  if (rows.length === 0) return won;
  await tx.query(LOCK_STATES, [JSON.stringify(rows.map(({ w, n }) => ({ w, n })))]);
  for (let i = 0; i < rows.length; i += SWAP_CHUNK) {
    const res = await tx.query<{ workflow_id: string; node_id: string }>(SWAP_STATES, [JSON.stringify(rows.slice(i, i + SWAP_CHUNK)), at]);
    for (const r of res.rows) won.add(stateKey(r.workflow_id, r.node_id));
  }
  return won;
}

/**
 * Canceled by a person: final at once, the lease dropped, so the worker running it (here or in
 * another process) has its next fenced write refused and stops; its event aborts what is in flight.
 */
const CANCEL = `UPDATE executions SET status = 'canceled', error = $2, finished_at = $3, wake_at = NULL, lease_owner = NULL, lease_until = NULL
  WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`;

/** A parked execution due now, and a NOTIFY so an idle worker claims it without waiting for its poll. */
const WAKE = `WITH w AS (UPDATE executions SET wake_at = $2 WHERE id = $1 AND wake_at > $2 AND status IN ('queued', 'running') RETURNING id)
  SELECT w.id, pg_notify('${CHANNELS.queue}', '') FROM w`;

export function createPgExecutionStore(pool: Reader, writer: Writer): ExecutionStore {
  const update = (u: ExecUpdate, lease?: Lease) => writer.merge(executionUpdates, [u.id], withLease(u, lease));

  return {
    // Per execution, yes: every write is keyed by its execution id and a batch waits for any
    // in-flight batch holding one of its keys, so one execution's writes commit in issue order.
    // Writes of different executions may commit in either order (several batches in flight).
    fifo: true,
    ingest: (req) => writer.merge(ingests, ingestKeys(req), req),
    ingestMany: (reqs) => writer.run(reqs.flatMap(ingestKeys), (tx) => ingestAll(tx, reqs)),
    ingestWithSwaps: (swaps, reqs, at) =>
      writer.run([...swaps.map((s) => `state\u0000${stateKey(s.workflowId, s.nodeId)}`), ...reqs.flatMap(ingestKeys)], async (tx) => {
        const won = await swapStates(tx, swaps, at);
        const go = reqs.filter((r) => r.swapKey === undefined || won.has(r.swapKey));
        const started = await ingestAll(tx, go);
        const results: (IngestResult | null)[] = reqs.map((r) => (r.swapKey === undefined || won.has(r.swapKey) ? started.shift()! : null));
        return { won, results };
      }),
    writeStep: (row, lease) => writer.merge(stepWrites, [row.execution_id], lease ? { row, lease } : { row }),
    markRunning: (id, at, lease) => update({ id, op: 'run', at }, lease),
    finish: (id, status, error, at, startedAt, lease) => update({ id, op: 'finish', status, error, at, started_at: startedAt }, lease),
    park: (id, wakeAt, lease, activeMs) => update({ id, op: 'park', wake_at: wakeAt, ...(activeMs === undefined ? {} : { active_ms: activeMs }) }, lease),
    recordActive: (id, activeMs, lease) => update({ id, op: 'active', active_ms: activeMs }, lease),
    cancel: (id, error, at) =>
      writer.run([id], async (tx) => {
        const res = await tx.query(CANCEL, [id, error, at]);
        return (res.rowCount ?? 0) > 0;
      }),
    wake: (id, at) =>
      writer.run([id], async (tx) => {
        const res = await tx.query(WAKE, [id, at]);
        return (res.rowCount ?? 0) > 0;
      }),

    async getExecution(id) {
      const { rows } = await pool.query<ExecutionRow>(`SELECT ${EXEC_COLS}, summary, parent_execution_id, call_depth, retry_from, active_ms FROM executions WHERE id = $1`, [id], 'sy_get_execution');
      return rows[0];
    },
    async getSteps(id) {
      return (await pool.query<StepRow>(`SELECT ${STEP_COLS} FROM steps WHERE execution_id = $1`, [id], 'sy_get_steps')).rows;
    },
    async getExecutionWithSteps(id) {
      // One statement, so one snapshot (READ COMMITTED takes one per statement).
      const { rows } = await pool.query<Record<string, unknown>>(DETAIL_SQL, [id], 'sy_get_execution_detail');
      if (rows.length === 0) return undefined;
      const steps = rows.filter((r) => r.s_node_id !== null).map((r) => unprefixed<StepRow>(r, 's_'));
      return { execution: unprefixed<ExecutionRow>(rows[0]!, 'e_'), steps };
    },
    async getStep(id, nodeId, iteration = '') {
      const sql = `SELECT ${STEP_COLS} FROM steps WHERE execution_id = $1 AND node_id = $2 AND iteration = $3`;
      const { rows } = await pool.query<StepRow>(sql, [id, nodeId, iteration], 'sy_get_step');
      return rows[0];
    },
    async listUnfinished() {
      const sql = `SELECT id, wake_at, concurrency_key, concurrency_limit FROM executions WHERE status IN ('queued', 'running') ORDER BY created_at, id`;
      return (await pool.query<UnfinishedRow>(sql)).rows;
    },
    async hasUnfinished(workflowId) {
      const sql = `SELECT 1 FROM executions WHERE workflow_id = $1 AND status IN ('queued', 'running') LIMIT 1`;
      return ((await pool.query(sql, [workflowId])).rowCount ?? 0) > 0;
    },
  };
}

/**
 * One statement: pick runnable rows oldest first, skipping rows another claimer (or a fenced step
 * write, FOR SHARE) holds, and take them with fence + 1. No two claimers can get the same row.
 * It lives in migration 002 as the function sy_claim, for the planner settings it needs.
 */
export const CLAIM = `SELECT ${EXEC_COLS}, parent_execution_id, call_depth, lease_owner, fence FROM sy_claim($1, $2, $3, $4)`;
/**
 * The steps of the executions just claimed, in one read. A separate statement on purpose, after
 * the claim committed: a statement's snapshot is taken when it starts, so steps read by the claim
 * itself could miss one the previous lease holder committed while the claim waited for the row.
 * One primary-key probe per id (OFFSET 0 keeps the subquery a per-id probe): as a plain
 * `execution_id = ANY($1)` it was planned from statistics taken when the table was small (each id
 * "has 100 steps") as a sequential scan of every step, 8 ms per claim at 19,000 steps.
 */
export const CLAIMED_STEPS = `SELECT s.* FROM unnest($1::text[]) AS u(id)
  CROSS JOIN LATERAL (SELECT ${STEP_COLS} FROM steps WHERE execution_id = u.id OFFSET 0) s`;

export function createPgClaimStore(pool: pg.Pool): ClaimStore {
  return {
    async claim(owner, limit, now, leaseMs) {
      if (limit <= 0) return [];
      type Row = ExecutionRow & { lease_owner: string; fence: number };
      const { rows } = await pool.query<Row>({ name: 'sy_claim', text: CLAIM, values: [owner, now, limit, leaseMs] });
      if (rows.length === 0) return [];
      // RETURNING has no order of its own.
      rows.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      // The claim committed: the leases are ours even if this read fails (advance then reads itself).
      const stepsOf = await pool
        .query<StepRow>({ name: 'sy_claimed_steps', text: CLAIMED_STEPS, values: [rows.map((r) => r.id)] })
        .then((read) => {
          const m = new Map<string, StepRow[]>(rows.map((r) => [r.id, []]));
          for (const s of read.rows) m.get(s.execution_id)?.push(s);
          return m;
        })
        .catch(() => undefined);
      return rows.map(({ lease_owner, fence, ...row }): Claimed => ({ row, lease: { owner: lease_owner, fence }, steps: stepsOf?.get(row.id) }));
    },
    async renew(owner, until) {
      const sql = `UPDATE executions SET lease_until = $2 WHERE lease_owner = $1 AND status IN ('queued', 'running')`;
      return (await pool.query(sql, [owner, until])).rowCount ?? 0;
    },
    async release(owner) {
      await pool.query(`UPDATE executions SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1 AND status IN ('queued', 'running')`, [owner]);
    },
    async nextWake() {
      const sql = `SELECT min(wake_at) AS at FROM executions WHERE wake_at IS NOT NULL AND status IN ('queued', 'running')`;
      return (await pool.query<{ at: number | null }>(sql)).rows[0]?.at ?? null;
    },
  };
}
