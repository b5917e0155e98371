/**
 * The execution hot path: prepared statements for ingest, step writes and queue scans.
 * Kept as plain, portable SQL (no SQLite-only syntax beyond upsert) so a PostgreSQL port is a
 * second implementation of this same interface; callers run these inside group commit.
 */
import type Database from 'better-sqlite3';
import type { ExecutionsTable } from '../schema.ts';

/** An executions row as the hot path reads it (the Kysely table type, no generated columns). */
export type ExecutionRow = ExecutionsTable;

export type StepRow = {
  execution_id: string;
  node_id: string;
  status: string;
  attempts: number;
  input: string | null;
  output: string | null;
  error: string | null;
  handle: string | null;
  truncated: number;
  started_at: number | null;
  finished_at: number | null;
  resume_at: number | null;
};

export type NewExecution = {
  id: string;
  workflowId: string;
  workflowVersion: number;
  mode: string;
  retryOf?: string | null;
  createdAt: number;
};

export function createExecutionStore(sqlite: Database.Database) {
  const insertExecution = sqlite.prepare(
    `INSERT INTO executions (id, workflow_id, workflow_version, status, mode, retry_of, created_at)
     VALUES (?, ?, ?, 'queued', ?, ?, ?)`,
  );
  const upsertStep = sqlite.prepare(
    `INSERT INTO steps (execution_id, node_id, status, attempts, input, output, error, handle, truncated, started_at, finished_at, resume_at)
     VALUES (@execution_id, @node_id, @status, @attempts, @input, @output, @error, @handle, @truncated, @started_at, @finished_at, @resume_at)
     ON CONFLICT (execution_id, node_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
       input = excluded.input, output = excluded.output, error = excluded.error, handle = excluded.handle,
       truncated = excluded.truncated, started_at = excluded.started_at, finished_at = excluded.finished_at,
       resume_at = excluded.resume_at`,
  );
  const markRunning = sqlite.prepare(`UPDATE executions SET status = 'running', started_at = COALESCE(started_at, ?), wake_at = NULL WHERE id = ?`);
  const finish = sqlite.prepare(
    `UPDATE executions SET status = ?, error = ?, finished_at = ?, started_at = COALESCE(started_at, ?), wake_at = NULL WHERE id = ?`,
  );
  const park = sqlite.prepare(`UPDATE executions SET wake_at = ? WHERE id = ?`);
  const getExecution = sqlite.prepare(`SELECT * FROM executions WHERE id = ?`);
  const getSteps = sqlite.prepare(`SELECT * FROM steps WHERE execution_id = ?`);
  const getStep = sqlite.prepare(`SELECT * FROM steps WHERE execution_id = ? AND node_id = ?`);
  const unfinished = sqlite.prepare(
    `SELECT id, wake_at FROM executions WHERE status IN ('queued', 'running') ORDER BY created_at, id`,
  );
  const findIdem = sqlite.prepare(`SELECT execution_id FROM idempotency_keys WHERE token = ? AND key = ? AND created_at >= ?`);
  const putIdem = sqlite.prepare(
    `INSERT INTO idempotency_keys (token, key, execution_id, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (token, key) DO UPDATE SET execution_id = excluded.execution_id, created_at = excluded.created_at`,
  );
  const hasUnfinished = sqlite.prepare(
    `SELECT 1 FROM executions WHERE workflow_id = ? AND status IN ('queued', 'running') LIMIT 1`,
  );

  return {
    insertExecution(e: NewExecution): void {
      insertExecution.run(e.id, e.workflowId, e.workflowVersion, e.mode, e.retryOf ?? null, e.createdAt);
    },
    upsertStep(row: StepRow): void {
      upsertStep.run(row);
    },
    markRunning(id: string, at: number): void {
      markRunning.run(at, id);
    },
    finish(id: string, status: 'success' | 'error' | 'canceled', error: string | null, at: number, startedAt: number = at): void {
      finish.run(status, error, at, startedAt, id);
    },
    park(id: string, wakeAt: number): void {
      park.run(wakeAt, id);
    },
    getExecution(id: string): ExecutionRow | undefined {
      return getExecution.get(id) as ExecutionRow | undefined;
    },
    getSteps(id: string): StepRow[] {
      return getSteps.all(id) as StepRow[];
    },
    getStep(id: string, nodeId: string): StepRow | undefined {
      return getStep.get(id, nodeId) as StepRow | undefined;
    },
    /** Executions to resume at boot: queued or running, with their wake time if parked. */
    listUnfinished(): { id: string; wake_at: number | null }[] {
      return unfinished.all() as { id: string; wake_at: number | null }[];
    },
    /** The execution an earlier delivery with this key started, if within the window. */
    findIdempotent(token: string, key: string, since: number): string | undefined {
      return (findIdem.get(token, key, since) as { execution_id: string } | undefined)?.execution_id;
    },
    putIdempotent(token: string, key: string, executionId: string, at: number): void {
      putIdem.run(token, key, executionId, at);
    },
    hasUnfinished(workflowId: string): boolean {
      return hasUnfinished.get(workflowId) !== undefined;
    },
  };
}
export type ExecutionStore = ReturnType<typeof createExecutionStore>;
