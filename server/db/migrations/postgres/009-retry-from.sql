-- Issue 13: how a retry was made: 'start' (the whole run again) or 'failed' (the finished steps
-- copied, the failed node and what follows run). NULL for every other execution.
ALTER TABLE executions ADD COLUMN retry_from text;
