-- The shared queue's claim (server/db/postgres/execution-store.ts) as a function, for one reason:
-- its planner settings. The claim must walk executions_claimable in (created_at, id) order and
-- stop after `p_limit` lockable rows. When the statistics say few executions are unfinished (a
-- new table, or a backlog that grew faster than autovacuum analyzes: exactly when claims matter
-- most), the planner instead chose a bitmap scan of every unfinished row plus a sort, measured at
-- 15 ms per claim with 12,600 queued: O(backlog) per claim, a drain that slows as it grows.
-- With sorts and bitmap scans off for this one statement, the ordered index scan is the only plan.
CREATE FUNCTION sy_claim(p_owner text, p_now bigint, p_limit integer, p_lease_ms bigint)
RETURNS TABLE (id text, workflow_id text, workflow_version integer, status text, mode text, retry_of text, error text,
  created_at bigint, started_at bigint, finished_at bigint, wake_at bigint, lease_owner text, fence integer)
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
            e.created_at, e.started_at, e.finished_at, e.wake_at, e.lease_owner, e.fence;
END
$$;
