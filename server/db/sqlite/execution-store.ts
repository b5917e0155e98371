/**
 * The execution hot path on SQLite: prepared statements run inside group commit, so every write
 * resolves after its batch's COMMIT and a WAL fdatasync begun after it. One process owns the file
 * (process-lock.ts), so there are no leases to check: the `lease` arguments are ignored.
 */
import type Database from 'better-sqlite3';
import { stateKey } from '../repos/trigger-state.repo.ts';
import type { ExecutionRow, ExecutionStore, IngestRequest, IngestResult, StepRow, UnfinishedRow } from '../store.ts';
import type { GroupCommit } from './group-commit.ts';

export function createSqliteExecutionStore(sqlite: Database.Database, commit: GroupCommit, o: { searchIndex: boolean } = { searchIndex: false }): ExecutionStore {
  const single = { single: true };
  const insertExecution = sqlite.prepare(
    `INSERT INTO executions (id, workflow_id, workflow_version, status, mode, retry_of, created_at, summary, parent_execution_id, call_depth, retry_from, concurrency_key, concurrency_limit)
     VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const upsertStep = sqlite.prepare(
    `INSERT INTO steps (execution_id, node_id, iteration, status, attempts, input, output, error, handle, truncated, started_at, finished_at, resume_at)
     VALUES (@execution_id, @node_id, @iteration, @status, @attempts, @input, @output, @error, @handle, @truncated, @started_at, @finished_at, @resume_at)
     ON CONFLICT (execution_id, node_id, iteration) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
       input = excluded.input, output = excluded.output, error = excluded.error, handle = excluded.handle,
       truncated = excluded.truncated, started_at = excluded.started_at, finished_at = excluded.finished_at,
       resume_at = excluded.resume_at`,
  );
  // Only an unfinished execution moves on: a canceled one stays canceled whatever its run writes last.
  const markRunning = sqlite.prepare(`UPDATE executions SET status = 'running', started_at = COALESCE(started_at, ?), wake_at = NULL WHERE id = ? AND status IN ('queued', 'running')`);
  const finish = sqlite.prepare(
    `UPDATE executions SET status = ?, error = ?, finished_at = ?, started_at = COALESCE(started_at, ?), wake_at = NULL WHERE id = ? AND status IN ('queued', 'running')`,
  );
  const park = sqlite.prepare(`UPDATE executions SET wake_at = ?, active_ms = COALESCE(?, active_ms) WHERE id = ? AND status IN ('queued', 'running')`);
  const recordActive = sqlite.prepare(`UPDATE executions SET active_ms = ? WHERE id = ? AND status IN ('queued', 'running')`);
  const queueFailure = sqlite.prepare(`INSERT INTO failures (execution_id, created_at) VALUES (?, ?) ON CONFLICT (execution_id) DO NOTHING`);
  const cancel = sqlite.prepare(
    `UPDATE executions SET status = 'canceled', error = ?, finished_at = ?, wake_at = NULL WHERE id = ? AND status IN ('queued', 'running')`,
  );
  const wake = sqlite.prepare(`UPDATE executions SET wake_at = ? WHERE id = ? AND wake_at > ? AND status IN ('queued', 'running')`);
  const getExecution = sqlite.prepare(
    `SELECT id, workflow_id, workflow_version, status, mode, retry_of, error, created_at, started_at, finished_at, wake_at, summary, parent_execution_id, call_depth, retry_from, active_ms FROM executions WHERE id = ?`,
  );
  const getSteps = sqlite.prepare(`SELECT * FROM steps WHERE execution_id = ?`);
  const getStep = sqlite.prepare(`SELECT * FROM steps WHERE execution_id = ? AND node_id = ? AND iteration = ?`);
  const unfinished = sqlite.prepare(`SELECT id, wake_at, concurrency_key, concurrency_limit FROM executions WHERE status IN ('queued', 'running') ORDER BY created_at, id`);
  const findIdem = sqlite.prepare(`SELECT execution_id FROM idempotency_keys WHERE token = ? AND key = ? AND created_at >= ?`);
  const putIdem = sqlite.prepare(
    `INSERT INTO idempotency_keys (token, key, execution_id, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (token, key) DO UPDATE SET execution_id = excluded.execution_id, created_at = excluded.created_at`,
  );
  const swap = sqlite.prepare(`UPDATE trigger_state SET state = ?, updated_at = ? WHERE workflow_id = ? AND node_id = ? AND state = ?`);
  const hasUnfinished = sqlite.prepare(`SELECT 1 FROM executions WHERE workflow_id = ? AND status IN ('queued', 'running') LIMIT 1`);
  // Search (migration 018): an execution that reaches its end goes on the indexer's to-do list, in
  // the transaction that ends it — one small row, while the indexing itself runs in a worker
  // (sqlite/search-indexer.ts). Until then a search scans it (repos/execution-search.ts).
  const queueForIndex = sqlite.prepare(`INSERT INTO execution_search_queue (execution_id) VALUES (?)`);
  const indexLater = (id: string) => {
    if (o.searchIndex) queueForIndex.run(id);
  };

  /** Runs inside a group-commit transaction: the check and the insert cannot interleave with another ingest. */
  function ingestNow(req: IngestRequest): IngestResult {
    const e = req.execution;
    const idem = req.idempotency;
    if (idem) {
      const first = findIdem.get(idem.token, idem.key, idem.since) as { execution_id: string } | undefined;
      if (first) return { executionId: first.execution_id, duplicate: true };
      putIdem.run(idem.token, idem.key, e.id, e.created_at);
    }
    insertExecution.run(e.id, e.workflow_id, e.workflow_version, e.mode, e.retry_of, e.created_at, e.summary ?? null, e.parent_execution_id ?? null, e.call_depth ?? 0, e.retry_from ?? null, e.concurrency_key ?? null, e.concurrency_limit ?? null);
    upsertStep.run(req.triggerStep);
    for (const step of req.steps ?? []) upsertStep.run(step);
    return { executionId: e.id, duplicate: false };
  }

  return {
    fifo: true,
    ingest: (req) => commit.run(() => ingestNow(req)),
    // Not single: the savepoint makes a failing ingest undo the ones before it (all or nothing).
    ingestMany: (reqs) => commit.run(() => reqs.map(ingestNow)),
    ingestWithSwaps: (swaps, reqs, at) =>
      commit.run(() => {
        const won = new Set<string>();
        for (const s of swaps) if (swap.run(s.next, at, s.workflowId, s.nodeId, s.expect).changes === 1) won.add(stateKey(s.workflowId, s.nodeId));
        const results = reqs.map((r) => (r.swapKey === undefined || won.has(r.swapKey) ? ingestNow(r) : null));
        return { won, results };
      }),
    writeStep: (row) => commit.run(() => (upsertStep.run(row), true), single),
    markRunning: (id, at) => commit.run(() => (markRunning.run(at, id), true), single),
    // false: the execution was canceled meanwhile (it is final already).
    finish: (id, status, error, at, startedAt) =>
      commit.run(() => {
        const ok = finish.run(status, error, at, startedAt, id).changes === 1;
        // A failure is queued for error workflows in the same transaction (services/error-dispatch.ts).
        if (ok && status === 'error') queueFailure.run(id, at);
        if (ok) indexLater(id);
        return ok;
      }, single),
    park: (id, wakeAt, _lease, activeMs) => commit.run(() => park.run(wakeAt, activeMs ?? null, id).changes === 1, single),
    recordActive: (id, activeMs) => commit.run(() => recordActive.run(activeMs, id).changes === 1, single),
    wake: (id, at) => commit.run(() => wake.run(at, id, at).changes === 1, single),
    cancel: (id, error, at) =>
      commit.run(() => {
        const canceled = cancel.run(error, at, id).changes === 1;
        if (canceled) indexLater(id);
        return canceled;
      }, single),
    getExecution: async (id) => getExecution.get(id) as ExecutionRow | undefined,
    getSteps: async (id) => getSteps.all(id) as StepRow[],
    // Both reads in one synchronous call: no commit of the writer can fall between them.
    getExecutionWithSteps: async (id) => {
      const execution = getExecution.get(id) as ExecutionRow | undefined;
      return execution && { execution, steps: getSteps.all(id) as StepRow[] };
    },
    getStep: async (id, nodeId, iteration = '') => getStep.get(id, nodeId, iteration) as StepRow | undefined,
    listUnfinished: async () => unfinished.all() as UnfinishedRow[],
    hasUnfinished: async (workflowId) => hasUnfinished.get(workflowId) !== undefined,
  };
}
