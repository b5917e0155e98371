-- Per-workflow settings (alerts, concurrency, timeout: shared/workflow.ts WorkflowSettings), saved
-- with the graph: each version keeps the settings its executions ran with.
ALTER TABLE workflows ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE workflow_versions ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
