-- Issue 6: the webhook request inspector (last 50 requests per webhook node) and auth-failure counts.
-- Written in batches through group commit, never one synchronous write per request.

CREATE TABLE webhook_requests (
  seq INTEGER PRIMARY KEY,           -- insertion order (rows are only ever trimmed from the oldest end)
  id TEXT NOT NULL UNIQUE,           -- req_… shown to clients, used for replay
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  headers TEXT NOT NULL,             -- JSON object; secret-bearing headers are stored as "[redacted]"
  query TEXT NOT NULL,               -- JSON object
  body TEXT,                         -- the first bytes of the raw body as UTF-8 (capped)
  body_size INTEGER NOT NULL,        -- the whole body's size in bytes
  body_truncated INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL,           -- what the hook answered
  execution_id TEXT,                 -- the execution it started (or the first one, on redelivery)
  reason TEXT                        -- why it was refused (auth reason code, …)
);
CREATE INDEX webhook_requests_node ON webhook_requests(workflow_id, node_id, seq);

CREATE TABLE webhook_stats (
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  auth_failures INTEGER NOT NULL DEFAULT 0,
  last_auth_failure_at INTEGER,
  last_auth_failure_reason TEXT,
  PRIMARY KEY (workflow_id, node_id)
);
