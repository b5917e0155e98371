-- Issue 13 (version history): who saved each version (the user's email at the time) and, for a
-- version saved by "restore", which version it restored. Versions saved before this migration
-- keep NULL in both ("unknown", "not a restore").

ALTER TABLE workflow_versions ADD COLUMN created_by TEXT;
ALTER TABLE workflow_versions ADD COLUMN restored_from INTEGER;
