-- Issue 12: loops and sub-workflows.
-- A step is keyed by its iteration too: '' outside any loop, '3' for the fourth item of a
-- flow.forEach, '3.1' for the second item of a loop nested in it. The primary key changes, which
-- SQLite can only do by rebuilding the table (its rows are copied as they are, keyed '').
CREATE TABLE steps_by_iteration (
  execution_id TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  iteration TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,              -- success | error | skipped | waiting | running (a loop under way)
  attempts INTEGER NOT NULL DEFAULT 0,
  input TEXT,
  output TEXT,
  error TEXT,
  handle TEXT,                       -- out-handle taken; NULL = every edge; '' = none (branch stopped)
  truncated INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER,
  finished_at INTEGER,
  resume_at INTEGER,
  PRIMARY KEY (execution_id, node_id, iteration)
) WITHOUT ROWID;
INSERT INTO steps_by_iteration (execution_id, node_id, iteration, status, attempts, input, output, error, handle, truncated, started_at, finished_at, resume_at)
  SELECT execution_id, node_id, '', status, attempts, input, output, error, handle, truncated, started_at, finished_at, resume_at FROM steps;
DROP TABLE steps;
ALTER TABLE steps_by_iteration RENAME TO steps;

-- flow.call: a child execution names its parent, and how deep the call chain is (at most 10).
ALTER TABLE executions ADD COLUMN parent_execution_id TEXT;
ALTER TABLE executions ADD COLUMN call_depth INTEGER NOT NULL DEFAULT 0;
CREATE INDEX executions_parent ON executions(parent_execution_id) WHERE parent_execution_id IS NOT NULL;
