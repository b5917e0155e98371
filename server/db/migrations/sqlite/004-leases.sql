-- Issue 11: a worker's lease on an execution, for PostgreSQL mode's shared queue. SQLite runs one
-- process and never sets them; they exist so both dialects share one schema (schema.ts COLUMNS).
-- `fence` is bumped each time a worker takes the execution; its writes check it (store.ts Lease).

ALTER TABLE executions ADD COLUMN lease_owner TEXT;
ALTER TABLE executions ADD COLUMN lease_until INTEGER;
ALTER TABLE executions ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
