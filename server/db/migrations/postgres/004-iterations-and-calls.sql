-- Issue 12: loops and sub-workflows.
-- A step is keyed by its iteration too: '' outside any loop, '3' for the fourth item of a
-- flow.forEach, '3.1' for the second item of a loop nested in it. Status 'running' is a loop under way.
-- A constant default is a catalog-only change (no table rewrite); the primary key is rebuilt once.
ALTER TABLE steps ADD COLUMN iteration text NOT NULL DEFAULT '';
ALTER TABLE steps DROP CONSTRAINT steps_pkey;
ALTER TABLE steps ADD PRIMARY KEY (execution_id, node_id, iteration);

-- flow.call: a child execution names its parent, and how deep the call chain is (at most 10).
ALTER TABLE executions ADD COLUMN parent_execution_id text;
ALTER TABLE executions ADD COLUMN call_depth integer NOT NULL DEFAULT 0;
CREATE INDEX executions_parent ON executions (parent_execution_id) WHERE parent_execution_id IS NOT NULL;

-- The claim hands the new columns to the worker too (a child's depth without another read). Its
-- result type changes, so the function is dropped and made again, with the same planner settings.
DROP FUNCTION sy_claim(text, bigint, integer, bigint);
CREATE FUNCTION sy_claim(p_owner text, p_now bigint, p_limit integer, p_lease_ms bigint)
RETURNS TABLE (id text, workflow_id text, workflow_version integer, status text, mode text, retry_of text, error text,
  created_at bigint, started_at bigint, finished_at bigint, wake_at bigint, lease_owner text, fence integer,
  parent_execution_id text, call_depth integer)
LANGUAGE plpgsql VOLATILE
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  UPDATE executions e SET lease_owner = p_owner, lease_until = p_now + p_lease_ms, fence = e.fence + 1
    FROM (SELECT x.id FROM executions x
           WHERE x.status IN ('queued', 'running') AND (x.lease_until IS NULL OR x.lease_until < p_now)
             AND (x.wake_at IS NULL OR x.wake_at <= p_now)
           ORDER BY x.created_at, x.id LIMIT p_limit FOR UPDATE SKIP LOCKED) c
   WHERE e.id = c.id
  RETURNING e.id, e.workflow_id, e.workflow_version, e.status, e.mode, e.retry_of, e.error,
            e.created_at, e.started_at, e.finished_at, e.wake_at, e.lease_owner, e.fence,
            e.parent_execution_id, e.call_depth;
END
$$;
