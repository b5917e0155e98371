-- Issue 13: e-mail alerts (workflow settings.alerts). `alerts` is the durable queue and record of
-- every alert: a failure is queued here by the failure dispatcher (services/error-dispatch.ts)
-- before its `failures` row goes, so a crash loses none; one row per (execution, kind).
-- `alert_signatures` deduplicates failures per (workflow, node, error code) for an hour;
-- `alert_states` holds the workflows whose last alert was a failure, awaiting their recovery.
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  node_id TEXT,
  node_type TEXT,
  error_code TEXT,
  error_message TEXT,
  recipients TEXT NOT NULL,
  status TEXT NOT NULL,
  repeats INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  next_attempt_at INTEGER NOT NULL,
  claimed_by TEXT,
  claimed_until INTEGER,
  created_at INTEGER NOT NULL,
  sent_at INTEGER
);
CREATE UNIQUE INDEX alerts_execution_kind ON alerts(execution_id, kind);
CREATE INDEX alerts_due ON alerts(status, next_attempt_at);
CREATE INDEX alerts_workflow ON alerts(workflow_id, created_at);

CREATE TABLE alert_signatures (
  signature TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  suppressed INTEGER NOT NULL DEFAULT 0,
  carried INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alert_signatures_workflow ON alert_signatures(workflow_id);

CREATE TABLE alert_states (
  workflow_id TEXT PRIMARY KEY,
  failure_execution_id TEXT NOT NULL,
  failure_created_at INTEGER NOT NULL,
  failure_finished_at INTEGER NOT NULL
);
