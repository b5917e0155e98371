-- Issue 13: bulk actions on executions. A job acts on every execution its filter matched when it
-- was made (ids up to `upto_id`), newest first, and keeps its place (`cursor`) and counts as it
-- goes, so a restart resumes it. `request_key` makes a repeated request return the same job.
CREATE TABLE bulk_jobs (
  id text PRIMARY KEY,
  request_key text NOT NULL,
  action text NOT NULL,
  request text NOT NULL,
  upto_id text,
  cursor text,
  total integer NOT NULL,
  done integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  status text NOT NULL,
  created_at bigint NOT NULL,
  finished_at bigint
);
CREATE INDEX bulk_jobs_request ON bulk_jobs(request_key, created_at);
