-- Issue 14: the running time an execution has used of its workflow's settings.timeoutSeconds,
-- in milliseconds, as of its last park or checkpoint (engine/timeout.ts). Parked time and time the
-- process was down are never added, so a restart neither resets the budget nor spends it.
ALTER TABLE executions ADD COLUMN active_ms INTEGER NOT NULL DEFAULT 0;
