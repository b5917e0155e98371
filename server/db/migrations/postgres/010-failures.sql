-- Issue 13: failed executions waiting to be handed to error workflows (trigger.error). Written in
-- the transaction that records the failure, deleted once dispatched: a crash in between only
-- delays the error workflow, never loses it (its start is idempotent per failed execution).
CREATE TABLE failures (
  execution_id text PRIMARY KEY,
  created_at bigint NOT NULL
);
