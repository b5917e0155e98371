-- Issue 15: the trigger event in one line (services/trigger-summary.ts), written when the execution
-- is created, so the executions list shows it without reading trigger outputs. Older rows keep NULL.
-- Nullable with no default: a catalog-only change, no table rewrite.

ALTER TABLE executions ADD COLUMN summary text;
