-- Issue 13 (search): a full-text index of what each execution saw — its trigger event and its
-- steps' outputs, as stored (already scrubbed of credentials). The trigram tokenizer makes every
-- query a substring match, so an email address or an id like `ord_123` is found as it is typed,
-- punctuation and all (the unicode61 tokenizer would split it into words).
--
-- Documents are only ever added while an execution lives: one with the trigger's output at ingest
-- (trigger_node names its step), one with every other step's output when it finishes. Never
-- rewritten: an FTS5 delete leaves its old postings behind until segments merge, so rewriting at
-- finish would grow the index by a body per execution (pruning's compaction merges them away:
-- sqlite/driver.ts). execution_search_docs maps documents to
-- executions (FTS5 rowids of their own: executions' hidden rowid may be renumbered by a VACUUM).
CREATE TABLE execution_search_docs (
  doc INTEGER PRIMARY KEY,
  execution_id TEXT NOT NULL,
  trigger_node TEXT                  -- set on the ingest document: the step the finish one leaves out
);
CREATE INDEX execution_search_docs_execution ON execution_search_docs(execution_id);
CREATE VIRTUAL TABLE execution_search USING fts5(body, tokenize = 'trigram');

-- Pruning, deleting a workflow (cascade) or an execution: its documents go with it.
CREATE TRIGGER execution_search_forget AFTER DELETE ON executions BEGIN
  DELETE FROM execution_search WHERE rowid IN (SELECT doc FROM execution_search_docs WHERE execution_id = old.id);
  DELETE FROM execution_search_docs WHERE execution_id = old.id;
END;

-- Executions recorded before this migration become searchable too (one document each).
INSERT INTO execution_search_docs (execution_id) SELECT id FROM executions ORDER BY id;
INSERT INTO execution_search (rowid, body)
  SELECT d.doc, (SELECT group_concat(s.output, char(10)) FROM steps s WHERE s.execution_id = d.execution_id AND s.output IS NOT NULL)
    FROM execution_search_docs d;
