-- Switchyard schema v1. Timestamps are integer milliseconds since the epoch (compact, portable).
-- JSON columns hold text validated by the shared zod schemas when read.

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  password_changed_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,               -- sha256 of the cookie token; the token itself is never stored
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,     -- sha256 of the key; the key is shown once
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);

CREATE TABLE workflows (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL,
  nodes TEXT NOT NULL,
  edges TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX workflows_updated ON workflows(updated_at, id);

-- Every saved version, so an execution always runs (and shows) the graph it started with.
CREATE TABLE workflow_versions (
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  nodes TEXT NOT NULL,
  edges TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workflow_id, version)
);

CREATE TABLE webhook_tokens (
  token TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_tokens_workflow ON webhook_tokens(workflow_id);

CREATE TABLE executions (
  id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  workflow_version INTEGER NOT NULL,
  status TEXT NOT NULL,              -- queued | running | success | error | canceled
  mode TEXT NOT NULL,
  retry_of TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  wake_at INTEGER                    -- set while parked on a durable delay
);
CREATE INDEX executions_workflow ON executions(workflow_id, created_at DESC, id DESC);
CREATE INDEX executions_created ON executions(created_at DESC, id DESC);
CREATE INDEX executions_unfinished ON executions(status, created_at) WHERE status IN ('queued', 'running');
CREATE INDEX executions_wake ON executions(wake_at) WHERE wake_at IS NOT NULL;

CREATE TABLE steps (
  execution_id TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  status TEXT NOT NULL,              -- success | error | skipped | waiting
  attempts INTEGER NOT NULL DEFAULT 0,
  input TEXT,
  output TEXT,
  error TEXT,
  handle TEXT,                       -- out-handle taken; NULL = every edge; '' = none (branch stopped)
  truncated INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER,
  finished_at INTEGER,
  resume_at INTEGER,
  PRIMARY KEY (execution_id, node_id)
) WITHOUT ROWID;

-- Redelivery dedupe per hook (SPEC: 72 h).
CREATE TABLE idempotency_keys (
  token TEXT NOT NULL,
  key TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (token, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);

-- Per-trigger durable state: schedule next run, poll seen keys, errors, leases.
CREATE TABLE trigger_state (
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workflow_id, node_id)
);

-- Captured sample events for the editor (webhook "listen for test event", test polls).
CREATE TABLE node_samples (
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  sample TEXT,
  captured_at INTEGER,
  listening_until INTEGER,
  PRIMARY KEY (workflow_id, node_id)
);
