-- Issue 13 (search): a full-text index of what each execution saw — its trigger event and its
-- steps' outputs, as stored (already scrubbed of credentials). The trigram tokenizer makes every
-- query a substring match, so an email address or an id like `ord_123` is found as it is typed,
-- punctuation and all (the unicode61 tokenizer would split it into words).
--
-- One document per execution: written at ingest with the trigger's output, rewritten once when
-- the execution finishes with every step's output. The document's rowid comes from
-- execution_search_docs, not from executions' hidden rowid, which a VACUUM may renumber.
CREATE TABLE execution_search_docs (
  doc INTEGER PRIMARY KEY,
  execution_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE execution_search USING fts5(body, tokenize = 'trigram');

-- Pruning, deleting a workflow (cascade) or a single execution: its document goes with it.
CREATE TRIGGER execution_search_forget AFTER DELETE ON executions BEGIN
  DELETE FROM execution_search WHERE rowid = (SELECT doc FROM execution_search_docs WHERE execution_id = old.id);
  DELETE FROM execution_search_docs WHERE execution_id = old.id;
END;

-- Executions recorded before this migration become searchable too.
INSERT INTO execution_search_docs (execution_id) SELECT id FROM executions ORDER BY id;
INSERT INTO execution_search (rowid, body)
  SELECT d.doc, (SELECT group_concat(s.output, char(10)) FROM steps s WHERE s.execution_id = d.execution_id AND s.output IS NOT NULL)
    FROM execution_search_docs d;
