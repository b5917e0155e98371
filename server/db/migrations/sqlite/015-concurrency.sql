-- Issue 14: per-workflow concurrency limits (settings.concurrency). An execution of a limited
-- workflow carries its group (the workflow id, and the key's value when the limit is per key) and
-- the limit of the version it runs, both fixed at ingest, so the queue needs no JSONata to decide
-- what may run. NULL for every other execution. The queue itself is in memory (engine/queue.ts).
ALTER TABLE executions ADD COLUMN concurrency_key TEXT;
ALTER TABLE executions ADD COLUMN concurrency_limit INTEGER;
