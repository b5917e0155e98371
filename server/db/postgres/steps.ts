/**
 * Step writes on PostgreSQL: every writeStep of a batch becomes one multi-row upsert (a MergeKind
 * of the writer), instead of a statement per step.
 *
 * With a lease the write is fenced in the same statement: a step is written only while its
 * execution still carries this worker's owner and fence. FOR SHARE holds the executions row until
 * COMMIT, so a takeover's `fence = fence + 1` waits for step writes in flight (and a claimer's
 * SKIP LOCKED passes over the row), while a write queued behind a takeover re-checks the new
 * fence when the row is unlocked (READ COMMITTED re-evaluates the join on the updated row) and
 * writes nothing. Checked on PostgreSQL 15: a claim during a write in flight skips the row, a
 * direct fence bump waits for its COMMIT, a write behind an uncommitted takeover waits and then
 * writes 0 rows.
 */
import type { Lease, StepRow } from '../store.ts';
import { roundsOfDistinct, type MergeKind, type Outcome } from './writer.ts';

const COLS = 'execution_id, node_id, iteration, status, attempts, input, output, error, handle, truncated, started_at, finished_at, resume_at';
const ROW_TYPE = `execution_id text, node_id text, iteration text, status text, attempts integer, input text, output text, error text, handle text,
  truncated integer, started_at bigint, finished_at bigint, resume_at bigint`;
const UPSERT = `ON CONFLICT (execution_id, node_id, iteration) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
  input = excluded.input, output = excluded.output, error = excluded.error, handle = excluded.handle,
  truncated = excluded.truncated, started_at = excluded.started_at, finished_at = excluded.finished_at,
  resume_at = excluded.resume_at`;

/** Without a lease (SQLite-like use): a missing execution fails it on the foreign key, which the writer isolates. */
export const STEPS_UPSERT = `INSERT INTO steps (${COLS}) SELECT ${COLS} FROM json_to_recordset($1::json) AS j(${ROW_TYPE}) ${UPSERT}`;
/**
 * One primary-key probe and lock per row (LATERAL), with the fence compared on the row as locked
 * (the newest version, after waiting for a takeover), outside the probe: inside it, the planner
 * used the lease_owner index and scanned every execution that owner holds. Rows are sent
 * sorted by execution id and locked in that order (see runAll), so two such statements over the
 * same executions queue up rather than deadlock.
 */
const STEPS_FENCED = `WITH j AS (SELECT * FROM json_to_recordset($1::json) AS j(${ROW_TYPE}, lease_owner text, fence integer)),
  f AS (SELECT j.* FROM j CROSS JOIN LATERAL (SELECT x.lease_owner, x.fence FROM executions x WHERE x.id = j.execution_id FOR SHARE) l
         WHERE l.lease_owner = j.lease_owner AND l.fence = j.fence)
  INSERT INTO steps (${COLS}) SELECT ${COLS} FROM f ${UPSERT} RETURNING execution_id, node_id, iteration`;

export type StepWrite = { row: StepRow; lease?: Lease };
const keyOf = (r: { execution_id: string; node_id: string; iteration: string }) => `${r.execution_id}\u0000${r.node_id}\u0000${r.iteration}`;

export const stepWrites: MergeKind<StepWrite, boolean> = {
  name: 'steps',
  // One round, all fenced or none: runAll sends one statement.
  oneStatement: (items) =>
    roundsOfDistinct(items, (w) => keyOf(w.row)).length === 1 && (items.every((w) => w.lease) || items.every((w) => !w.lease)),
  async runAll(tx, items) {
    const out: Outcome<boolean>[] = new Array(items.length);
    // One statement cannot upsert a row twice: a repeat of (execution, node) waits for the next
    // round, so the later write of a step still lands last.
    for (const round of roundsOfDistinct(items, (w) => keyOf(w.row))) {
      const plain = round.filter((x) => !x.item.lease);
      const leased = round.filter((x) => x.item.lease);
      if (plain.length > 0) {
        await tx.query(STEPS_UPSERT, [JSON.stringify(plain.map((x) => x.item.row))], 'sy_steps');
        for (const x of plain) out[x.i] = { ok: true, value: true };
      }
      if (leased.length > 0) {
        const sorted = [...leased].sort((a, b) => (a.item.row.execution_id < b.item.row.execution_id ? -1 : a.item.row.execution_id > b.item.row.execution_id ? 1 : 0));
        const json = JSON.stringify(sorted.map((x) => ({ ...x.item.row, lease_owner: x.item.lease!.owner, fence: x.item.lease!.fence })));
        const { rows } = await tx.query<{ execution_id: string; node_id: string; iteration: string }>(STEPS_FENCED, [json], 'sy_steps_fenced');
        const written = new Set(rows.map(keyOf));
        // Not written: the lease was lost (another worker owns the execution now).
        for (const x of leased) out[x.i] = { ok: true, value: written.has(keyOf(x.item.row)) };
      }
    }
    return out;
  },
};
