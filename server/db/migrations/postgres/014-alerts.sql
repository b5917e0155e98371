-- Issue 13: e-mail alerts (workflow settings.alerts). `alerts` is the durable queue and record of
-- every alert: a failure is queued here by the failure dispatcher (services/error-dispatch.ts)
-- before its `failures` row goes, so a crash loses none; one row per (execution, kind).
-- `alert_signatures` deduplicates failures per (workflow, node, error code) for an hour;
-- `alert_states` holds the workflows whose last alert was a failure, awaiting their recovery.
CREATE TABLE alerts (
  id text PRIMARY KEY,
  workflow_id text NOT NULL,
  kind text NOT NULL,
  execution_id text NOT NULL,
  node_id text,
  node_type text,
  error_code text,
  error_message text,
  recipients text NOT NULL,
  status text NOT NULL,
  repeats integer NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  next_attempt_at bigint NOT NULL,
  claimed_by text,
  claimed_until bigint,
  created_at bigint NOT NULL,
  sent_at bigint
);
CREATE UNIQUE INDEX alerts_execution_kind ON alerts(execution_id, kind);
CREATE INDEX alerts_due ON alerts(status, next_attempt_at);
CREATE INDEX alerts_workflow ON alerts(workflow_id, created_at);

CREATE TABLE alert_signatures (
  signature text PRIMARY KEY,
  workflow_id text NOT NULL,
  sent_at bigint NOT NULL,
  suppressed integer NOT NULL DEFAULT 0,
  carried integer NOT NULL DEFAULT 0
);
CREATE INDEX alert_signatures_workflow ON alert_signatures(workflow_id);

CREATE TABLE alert_states (
  workflow_id text PRIMARY KEY,
  failure_execution_id text NOT NULL,
  failure_created_at bigint NOT NULL,
  failure_finished_at bigint NOT NULL
);
