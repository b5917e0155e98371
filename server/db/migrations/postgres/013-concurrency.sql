-- Issue 14: per-workflow concurrency limits (settings.concurrency). An execution of a limited
-- workflow carries its group (the workflow id, and the key's value when the limit is per key) and
-- the limit of the version it runs, both fixed at ingest; NULL for every other execution.
-- Adding nullable columns without a default is a catalog-only change.
ALTER TABLE executions ADD COLUMN concurrency_key text;
ALTER TABLE executions ADD COLUMN concurrency_limit integer;

-- The claimable index holds unlimited executions only: a limited workflow's backlog waiting for a
-- slot must not lie in the path of every claim (it would make each claim walk past all of it).
DROP INDEX executions_claimable;
CREATE INDEX executions_claimable ON executions (created_at, id) WHERE status IN ('queued', 'running') AND concurrency_key IS NULL;
-- A group's unfinished executions in claim order, and (small: at most about `limit` per group)
-- the ones holding a slot now.
CREATE INDEX executions_concurrency ON executions (concurrency_key, created_at, id) WHERE status IN ('queued', 'running') AND concurrency_key IS NOT NULL;
CREATE INDEX executions_concurrency_held ON executions (concurrency_key) WHERE concurrency_key IS NOT NULL AND lease_owner IS NOT NULL;

-- The claim, with concurrency groups. A slot is a live lease: an execution of a group holds one
-- while a worker leases it (lease_owner set, lease_until not passed), so a parked execution (its
-- lease dropped) holds none, and a killed worker's slots come back when its leases expire.
-- Claimers of one group are serialised by a transaction-level advisory lock on the group (the
-- two-int form, a key space apart from the bigint locks of cluster.ts); one that finds the group
-- locked skips it (another claimer is filling it), as SKIP LOCKED skips rows. The lock is released
-- at COMMIT, after the claim's leases are visible, so the next claimer of the group counts them.
-- While no limited execution is unfinished, the claim is the statement of migration 004 (one
-- probe of an empty index more). Otherwise candidates come from every group with a free slot and
-- from the unlimited queue, and the oldest `p_limit` of them are taken: one FIFO by creation.
-- Same result type, the planner settings of migration 002 (which says why), and no sequential
-- scans either: every statement here has an index made for it. JIT off: the one sort left (of
-- the few candidates, below) costs "disabled" with sorts off, which is far above jit_above_cost,
-- and compiling it took 200 ms a claim.
CREATE OR REPLACE FUNCTION sy_claim(p_owner text, p_now bigint, p_limit integer, p_lease_ms bigint)
RETURNS TABLE (id text, workflow_id text, workflow_version integer, status text, mode text, retry_of text, error text,
  created_at bigint, started_at bigint, finished_at bigint, wake_at bigint, lease_owner text, fence integer,
  parent_execution_id text, call_depth integer)
LANGUAGE plpgsql VOLATILE
SET enable_sort = off
SET enable_bitmapscan = off
SET enable_seqscan = off
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
  grp text;
  cap integer;
  held integer;
  cand record;
  ids text[] := '{}';
  ats bigint[] := '{}';
  chosen text[];
BEGIN
  -- ORDER BY the key (with sorts off) leaves one plan: a probe of executions_concurrency. Without
  -- it (or inside EXISTS, which drops the ORDER BY), statistics taken while the table was small
  -- chose executions_unfinished and read every unfinished execution to find none; so for the skip
  -- scan below.
  SELECT x.concurrency_key INTO grp FROM executions x WHERE x.status IN ('queued', 'running') AND x.concurrency_key IS NOT NULL
   ORDER BY x.concurrency_key LIMIT 1;
  IF grp IS NULL THEN
    RETURN QUERY
    UPDATE executions e SET lease_owner = p_owner, lease_until = p_now + p_lease_ms, fence = e.fence + 1
      FROM (SELECT x.id FROM executions x
             WHERE x.status IN ('queued', 'running') AND x.concurrency_key IS NULL
               AND (x.lease_until IS NULL OR x.lease_until < p_now)
               AND (x.wake_at IS NULL OR x.wake_at <= p_now)
             ORDER BY x.created_at, x.id LIMIT p_limit FOR UPDATE SKIP LOCKED) c
     WHERE e.id = c.id
    RETURNING e.id, e.workflow_id, e.workflow_version, e.status, e.mode, e.retry_of, e.error,
              e.created_at, e.started_at, e.finished_at, e.wake_at, e.lease_owner, e.fence,
              e.parent_execution_id, e.call_depth;
    RETURN;
  END IF;

  -- Every group with unfinished executions, one index probe each (a skip scan of executions_concurrency).
  FOR grp IN
    WITH RECURSIVE g(k) AS (
      (SELECT x.concurrency_key FROM executions x WHERE x.status IN ('queued', 'running') AND x.concurrency_key IS NOT NULL
        ORDER BY x.concurrency_key LIMIT 1)
      UNION ALL
      SELECT (SELECT x.concurrency_key FROM executions x
               WHERE x.status IN ('queued', 'running') AND x.concurrency_key IS NOT NULL AND x.concurrency_key > g.k
               ORDER BY x.concurrency_key LIMIT 1)
        FROM g WHERE g.k IS NOT NULL)
    SELECT g.k FROM g WHERE g.k IS NOT NULL
  LOOP
    CONTINUE WHEN NOT pg_try_advisory_xact_lock(1937207, hashtext(grp));
    -- The limit of the group's oldest runnable execution (the version it runs) decides.
    SELECT x.concurrency_limit INTO cap FROM executions x
     WHERE x.concurrency_key = grp AND x.status IN ('queued', 'running')
       AND (x.lease_until IS NULL OR x.lease_until < p_now) AND (x.wake_at IS NULL OR x.wake_at <= p_now)
     ORDER BY x.created_at, x.id LIMIT 1;
    CONTINUE WHEN cap IS NULL;
    -- Counted up to the limit only: whether the group is full is all that matters. No status
    -- test: a finished or parked execution has no lease, and without one this can only be a walk
    -- of executions_concurrency_held (not of every unfinished execution).
    SELECT count(*) INTO held FROM (SELECT 1 FROM executions x
     WHERE x.concurrency_key = grp AND x.lease_owner IS NOT NULL AND x.lease_until >= p_now LIMIT cap) h;
    CONTINUE WHEN held >= cap;
    FOR cand IN
      SELECT x.id, x.created_at FROM executions x
       WHERE x.concurrency_key = grp AND x.status IN ('queued', 'running')
         AND (x.lease_until IS NULL OR x.lease_until < p_now) AND (x.wake_at IS NULL OR x.wake_at <= p_now)
       ORDER BY x.created_at, x.id LIMIT least(cap - held, p_limit) FOR UPDATE SKIP LOCKED
    LOOP
      ids := ids || cand.id;
      ats := ats || cand.created_at;
    END LOOP;
  END LOOP;

  FOR cand IN
    SELECT x.id, x.created_at FROM executions x
     WHERE x.status IN ('queued', 'running') AND x.concurrency_key IS NULL
       AND (x.lease_until IS NULL OR x.lease_until < p_now)
       AND (x.wake_at IS NULL OR x.wake_at <= p_now)
     ORDER BY x.created_at, x.id LIMIT p_limit FOR UPDATE SKIP LOCKED
  LOOP
    ids := ids || cand.id;
    ats := ats || cand.created_at;
  END LOOP;

  SELECT array_agg(u.i) INTO chosen FROM (SELECT t.i FROM unnest(ids, ats) AS t(i, a) ORDER BY t.a, t.i LIMIT p_limit) u;
  IF chosen IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
  UPDATE executions e SET lease_owner = p_owner, lease_until = p_now + p_lease_ms, fence = e.fence + 1
   WHERE e.id = ANY(chosen)
  RETURNING e.id, e.workflow_id, e.workflow_version, e.status, e.mode, e.retry_of, e.error,
            e.created_at, e.started_at, e.finished_at, e.wake_at, e.lease_owner, e.fence,
            e.parent_execution_id, e.call_depth;
END
$$;
