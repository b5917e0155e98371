-- Issue 14: the audit log, as sqlite/007 (same columns, keys and indexes).

CREATE TABLE audit_log (
  id text PRIMARY KEY,
  at bigint NOT NULL,
  actor_type text NOT NULL,          -- user | api_key | anonymous
  actor_id text,                     -- usr_… or key_…; NULL for anonymous
  actor_name text NOT NULL,          -- email, key label, or the email a failed login named
  action text NOT NULL,              -- dotted: workflow.activated, auth.login_failed, …
  target_type text,
  target_id text,
  detail text NOT NULL DEFAULT '{}', -- small JSON object; never secret values
  ip text,
  request_id text
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, id);
