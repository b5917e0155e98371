/**
 * The webhook request inspector's rows and per-hook auth-failure counters. Prepared statements
 * (like execution.store) because writes run synchronously inside group commit.
 */
import type Database from 'better-sqlite3';

export type WebhookRequestRow = {
  id: string;
  workflow_id: string;
  node_id: string;
  received_at: number;
  method: string;
  path: string;
  headers: string;
  query: string;
  body: string | null;
  body_size: number;
  body_truncated: number;
  status: number;
  execution_id: string | null;
  reason: string | null;
};

export type WebhookStatsRow = { auth_failures: number; last_auth_failure_at: number | null; last_auth_failure_reason: string | null };

export function createWebhookRequestRepo(sqlite: Database.Database, keep: number) {
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
  const stats = sqlite.prepare(
    `SELECT auth_failures, last_auth_failure_at, last_auth_failure_reason FROM webhook_stats WHERE workflow_id = ? AND node_id = ?`,
  );

  return {
    /** Appends rows of one hook (oldest first) and trims it back to the newest `keep`. Call inside group commit. */
    append(workflowId: string, nodeId: string, rows: WebhookRequestRow[]): void {
      for (const r of rows) insert.run(r);
      trim.run(workflowId, nodeId, workflowId, nodeId, keep);
    },
    list(workflowId: string, nodeId: string): WebhookRequestRow[] {
      return list.all(workflowId, nodeId, keep) as WebhookRequestRow[];
    },
    get(workflowId: string, nodeId: string, id: string): WebhookRequestRow | undefined {
      return get.get(id, workflowId, nodeId) as WebhookRequestRow | undefined;
    },
    /** Call inside group commit. */
    addAuthFailures(workflowId: string, nodeId: string, count: number, at: number, reason: string): void {
      addFailures.run(workflowId, nodeId, count, at, reason);
    },
    stats(workflowId: string, nodeId: string): WebhookStatsRow | undefined {
      return stats.get(workflowId, nodeId) as WebhookStatsRow | undefined;
    },
  };
}
export type WebhookRequestRepo = ReturnType<typeof createWebhookRequestRepo>;
