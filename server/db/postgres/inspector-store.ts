/**
 * The webhook request inspector on PostgreSQL: an append (all rows of one hook in one statement),
 * its trim and the auth-failure counter share one op of the batching writer, so a flush of many
 * hooks' buffers costs one transaction, as on SQLite.
 */
import type { InspectorStore, WebhookRequestRow, WebhookStatsRow } from '../store.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

const COLS = 'id, workflow_id, node_id, received_at, method, path, headers, query, body, body_size, body_truncated, status, execution_id, reason';

/** Rows arrive as one JSON array (oldest first); ORDER BY ord hands out seq in that order. */
const INSERT = `INSERT INTO webhook_requests (${COLS})
  SELECT ${COLS} FROM ROWS FROM (json_to_recordset($1::json) AS (id text, workflow_id text, node_id text, received_at bigint,
    method text, path text, headers text, query text, body text, body_size integer, body_truncated integer, status integer,
    execution_id text, reason text)) WITH ORDINALITY AS j(${COLS}, ord)
  ORDER BY ord`;
/** Keeps the newest `keep` rows of one hook; a NULL cut-off (fewer rows) deletes nothing. */
const TRIM = `DELETE FROM webhook_requests WHERE workflow_id = $1 AND node_id = $2 AND seq <= (
  SELECT seq FROM webhook_requests WHERE workflow_id = $1 AND node_id = $2 ORDER BY seq DESC LIMIT 1 OFFSET $3)`;
const ADD_FAILURES = `INSERT INTO webhook_stats (workflow_id, node_id, auth_failures, last_auth_failure_at, last_auth_failure_reason)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (workflow_id, node_id) DO UPDATE SET auth_failures = webhook_stats.auth_failures + excluded.auth_failures,
    last_auth_failure_at = excluded.last_auth_failure_at, last_auth_failure_reason = excluded.last_auth_failure_reason`;

/**
 * PostgreSQL text cannot hold NUL (SQLite can): a binary body's preview would otherwise fail the
 * whole statement, so NULs become U+FFFD, as other undecodable bytes already do.
 */
const noNul = (s: string | null): string | null => (s === null || !s.includes('\u0000') ? s : s.replaceAll('\u0000', '\uFFFD'));
const clean = (r: WebhookRequestRow): WebhookRequestRow => ({
  ...r,
  path: noNul(r.path) ?? '',
  headers: noNul(r.headers) ?? '',
  query: noNul(r.query) ?? '',
  body: noNul(r.body),
  reason: noNul(r.reason),
});

export function createPgInspectorStore(pool: Reader, writer: Writer, keep: number): InspectorStore {
  return {
    append: (workflowId, nodeId, rows, failures) =>
      writer.run([`hook\u0000${workflowId}\u0000${nodeId}`], async (tx) => {
        if (rows.length > 0) {
          await tx.query(INSERT, [JSON.stringify(rows.map(clean))]);
          await tx.query(TRIM, [workflowId, nodeId, keep]);
        }
        if (failures?.count) await tx.query(ADD_FAILURES, [workflowId, nodeId, failures.count, failures.at, noNul(failures.reason)]);
      }),
    async list(workflowId, nodeId) {
      const sql = `SELECT ${COLS} FROM webhook_requests WHERE workflow_id = $1 AND node_id = $2 ORDER BY seq DESC LIMIT $3`;
      return (await pool.query<WebhookRequestRow>(sql, [workflowId, nodeId, keep])).rows;
    },
    async get(workflowId, nodeId, id) {
      const sql = `SELECT ${COLS} FROM webhook_requests WHERE id = $1 AND workflow_id = $2 AND node_id = $3`;
      return (await pool.query<WebhookRequestRow>(sql, [id, workflowId, nodeId])).rows[0];
    },
    async stats(workflowId, nodeId) {
      const sql = `SELECT auth_failures, last_auth_failure_at, last_auth_failure_reason FROM webhook_stats WHERE workflow_id = $1 AND node_id = $2`;
      return (await pool.query<WebhookStatsRow>(sql, [workflowId, nodeId])).rows[0];
    },
  };
}
