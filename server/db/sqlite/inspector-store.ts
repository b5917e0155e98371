/**
 * The webhook request inspector's rows and per-hook auth-failure counters on SQLite. Prepared
 * statements run inside group commit, so a flush of many hooks' buffers costs one transaction.
 */
import type Database from 'better-sqlite3';
import type { InspectorStore, WebhookRequestRow, WebhookStatsRow } from '../store.ts';
import type { GroupCommit } from './group-commit.ts';

export function createSqliteInspectorStore(sqlite: Database.Database, commit: GroupCommit, keep: number): InspectorStore {
  const insert = sqlite.prepare(
    `INSERT INTO webhook_requests (id, workflow_id, node_id, received_at, method, path, headers, query, body, body_size, body_truncated, status, execution_id, reason)
     VALUES (@id, @workflow_id, @node_id, @received_at, @method, @path, @headers, @query, @body, @body_size, @body_truncated, @status, @execution_id, @reason)`,
  );
  // Keeps the newest `keep` rows of one hook; a NULL cut-off (fewer rows) deletes nothing.
  const trim = sqlite.prepare(
    `DELETE FROM webhook_requests WHERE workflow_id = ? AND node_id = ? AND seq <= (
       SELECT seq FROM webhook_requests WHERE workflow_id = ? AND node_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
  );
  const list = sqlite.prepare(`SELECT * FROM webhook_requests WHERE workflow_id = ? AND node_id = ? ORDER BY seq DESC LIMIT ?`);
  const get = sqlite.prepare(`SELECT * FROM webhook_requests WHERE id = ? AND workflow_id = ? AND node_id = ?`);
  const addFailures = sqlite.prepare(
    `INSERT INTO webhook_stats (workflow_id, node_id, auth_failures, last_auth_failure_at, last_auth_failure_reason) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (workflow_id, node_id) DO UPDATE SET auth_failures = auth_failures + excluded.auth_failures,
       last_auth_failure_at = excluded.last_auth_failure_at, last_auth_failure_reason = excluded.last_auth_failure_reason`,
  );
  const stats = sqlite.prepare(`SELECT auth_failures, last_auth_failure_at, last_auth_failure_reason FROM webhook_stats WHERE workflow_id = ? AND node_id = ?`);
  const strip = (r: WebhookRequestRow & { seq?: number }): WebhookRequestRow => {
    delete r.seq;
    return r;
  };

  return {
    append: (workflowId, nodeId, rows, failures) =>
      commit.run(() => {
        if (rows.length) {
          for (const r of rows) insert.run(r);
          trim.run(workflowId, nodeId, workflowId, nodeId, keep);
        }
        if (failures?.count) addFailures.run(workflowId, nodeId, failures.count, failures.at, failures.reason);
      }),
    list: async (workflowId, nodeId) => (list.all(workflowId, nodeId, keep) as WebhookRequestRow[]).map(strip),
    get: async (workflowId, nodeId, id) => {
      const row = get.get(id, workflowId, nodeId) as WebhookRequestRow | undefined;
      return row && strip(row);
    },
    stats: async (workflowId, nodeId) => stats.get(workflowId, nodeId) as WebhookStatsRow | undefined,
  };
}
