-- Issue 14: the audit log, one row per change a person or an API key made (services/audit.service.ts).
-- Append-only through the API; the pruner deletes rows older than AUDIT_MAX_AGE_DAYS.
-- id sorts by creation time (lib/ids.ts newOrderedId), so it is also the newest-first cursor.

CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_type TEXT NOT NULL,          -- user | api_key | anonymous
  actor_id TEXT,                     -- usr_… or key_…; NULL for anonymous
  actor_name TEXT NOT NULL,          -- email, key label, or the email a failed login named
  action TEXT NOT NULL,              -- dotted: workflow.activated, auth.login_failed, …
  target_type TEXT,
  target_id TEXT,
  detail TEXT NOT NULL DEFAULT '{}', -- small JSON object; never secret values
  ip TEXT,
  request_id TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, id);
