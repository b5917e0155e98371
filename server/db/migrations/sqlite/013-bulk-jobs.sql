-- Issue 13: bulk actions on executions. A job acts on every execution its filter matched when it
-- was made (ids up to `upto_id`), newest first, and keeps its place (`cursor`) and counts as it
-- goes, so a restart resumes it. `request_key` makes a repeated request return the same job.
CREATE TABLE bulk_jobs (
  id TEXT PRIMARY KEY,
  request_key TEXT NOT NULL,
  action TEXT NOT NULL,
  request TEXT NOT NULL,
  upto_id TEXT,
  cursor TEXT,
  total INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX bulk_jobs_request ON bulk_jobs(request_key, created_at);
