-- Switchyard schema for PostgreSQL (15+): everything of sqlite/001–004 in one file, with the same
-- tables, columns, keys and indexes, so the Kysely repositories run unchanged on both dialects
-- (schema.test.ts checks both against schema.ts COLUMNS).
--
-- Column choices that keep the dialects alike: timestamps are integer milliseconds since the
-- epoch as bigint; flags and counters are integer; ids are text; JSON is text, never jsonb —
-- code compares stored JSON text and sets it only if unchanged, and jsonb would normalise it.

CREATE TABLE users (
  id text PRIMARY KEY,
  email text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  password_changed_at bigint NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE sessions (
  id text PRIMARY KEY,               -- sha256 of the cookie token; the token itself is never stored
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  last_seen_at bigint NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  label text NOT NULL,
  prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,     -- sha256 of the key; the key is shown once
  created_at bigint NOT NULL,
  last_used_at bigint
);

CREATE TABLE workflows (
  id text PRIMARY KEY,
  name text NOT NULL,
  active integer NOT NULL DEFAULT 0,
  version integer NOT NULL,
  nodes text NOT NULL,
  edges text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX workflows_updated ON workflows (updated_at, id);

-- Every saved version, so an execution always runs (and shows) the graph it started with.
CREATE TABLE workflow_versions (
  workflow_id text NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  version integer NOT NULL,
  name text NOT NULL,
  nodes text NOT NULL,
  edges text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (workflow_id, version)
);

CREATE TABLE webhook_tokens (
  token text PRIMARY KEY,
  workflow_id text NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id text NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX webhook_tokens_workflow ON webhook_tokens (workflow_id);

CREATE TABLE executions (
  id text PRIMARY KEY,
  workflow_id text NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  workflow_version integer NOT NULL,
  status text NOT NULL,              -- queued | running | success | error | canceled
  mode text NOT NULL,
  retry_of text,
  error text,
  created_at bigint NOT NULL,
  started_at bigint,
  finished_at bigint,
  wake_at bigint,                    -- set while parked on a durable delay
  lease_owner text,                  -- the worker holding the execution, until lease_until
  lease_until bigint,
  fence integer NOT NULL DEFAULT 0   -- bumped at each take; a worker's writes check it
);
CREATE INDEX executions_workflow ON executions (workflow_id, created_at DESC, id DESC);
CREATE INDEX executions_created ON executions (created_at DESC, id DESC);
CREATE INDEX executions_unfinished ON executions (status, created_at) WHERE status IN ('queued', 'running');
CREATE INDEX executions_wake ON executions (wake_at) WHERE wake_at IS NOT NULL;
-- The shared queue: workers claim the oldest runnable executions first ...
CREATE INDEX executions_claimable ON executions (created_at, id) WHERE status IN ('queued', 'running');
-- ... and renew or release every lease they hold by owner.
CREATE INDEX executions_lease_owner ON executions (lease_owner) WHERE lease_owner IS NOT NULL;

CREATE TABLE steps (
  execution_id text NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  node_id text NOT NULL,
  status text NOT NULL,              -- success | error | skipped | waiting
  attempts integer NOT NULL DEFAULT 0,
  input text,
  output text,
  error text,
  handle text,                       -- out-handle taken; NULL = every edge; '' = none (branch stopped)
  truncated integer NOT NULL DEFAULT 0,
  started_at bigint,
  finished_at bigint,
  resume_at bigint,
  PRIMARY KEY (execution_id, node_id)
);

-- Redelivery dedupe per hook (SPEC: 72 h).
CREATE TABLE idempotency_keys (
  token text NOT NULL,
  key text NOT NULL,
  execution_id text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (token, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Per-trigger durable state: schedule next run, poll seen keys, errors, leases.
CREATE TABLE trigger_state (
  workflow_id text NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id text NOT NULL,
  state text NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (workflow_id, node_id)
);

-- Captured sample events for the editor (webhook "listen for test event", test polls).
CREATE TABLE node_samples (
  workflow_id text NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id text NOT NULL,
  sample text,
  captured_at bigint,
  listening_until bigint,
  PRIMARY KEY (workflow_id, node_id)
);

-- Credentials vault (issue 4). `data` is AES-256-GCM ciphertext of {type, data}, bound to the row
-- id (AAD): a value copied into another row does not decrypt. `fields` lists which fields are set
-- (names only, not secret), so listing credentials never decrypts anything.
CREATE TABLE credentials (
  id text PRIMARY KEY,
  name text NOT NULL,
  type text NOT NULL,
  fields text NOT NULL,
  data text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX credentials_name ON credentials (name, id);

-- Encryption key bookkeeping: a key check value (an encrypted canary) so a wrong key is refused
-- at start, and the scrypt salt when ENCRYPTION_KEY is a passphrase.
CREATE TABLE vault_meta (
  name text PRIMARY KEY,
  value text NOT NULL
);

-- Mail captured when no SMTP server is configured. message_id is unique so a step re-run after a
-- crash captures its mail once (the Message-ID is derived from execution and node).
CREATE TABLE outbox (
  id text PRIMARY KEY,
  from_addr text,
  to_addrs text NOT NULL,
  cc_addrs text NOT NULL,
  bcc_addrs text NOT NULL,
  reply_to text,
  subject text NOT NULL,
  text_body text,
  html_body text,
  message_id text UNIQUE,
  created_at bigint NOT NULL
);

-- Issue 6: the webhook request inspector (last 50 requests per webhook node) and auth-failure counts.
CREATE TABLE webhook_requests (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- insertion order (rows are only ever trimmed from the oldest end)
  id text NOT NULL UNIQUE,           -- req_… shown to clients, used for replay
  workflow_id text NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id text NOT NULL,
  received_at bigint NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  headers text NOT NULL,             -- JSON object; secret-bearing headers are stored as "[redacted]"
  query text NOT NULL,               -- JSON object
  body text,                         -- the first bytes of the raw body as UTF-8 (capped)
  body_size integer NOT NULL,        -- the whole body's size in bytes
  body_truncated integer NOT NULL DEFAULT 0,
  status integer NOT NULL,           -- what the hook answered
  execution_id text,                 -- the execution it started (or the first one, on redelivery)
  reason text                        -- why it was refused (auth reason code, …)
);
CREATE INDEX webhook_requests_node ON webhook_requests (workflow_id, node_id, seq);

CREATE TABLE webhook_stats (
  workflow_id text NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id text NOT NULL,
  auth_failures integer NOT NULL DEFAULT 0,
  last_auth_failure_at bigint,
  last_auth_failure_reason text,
  PRIMARY KEY (workflow_id, node_id)
);
