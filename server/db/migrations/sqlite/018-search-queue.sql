-- Issue 13 (search), second form: the full-text index moves out of this file into its own
-- (switchyard-search.db beside it), written by a worker thread (server/db/sqlite/search-indexer.ts),
-- so indexing neither runs on the event loop nor holds this file's write lock.
--
-- What this file keeps is the indexer's to-do list: a row each time an execution reaches its end
-- (finish, cancel: written in the same transaction) and each time one is deleted (pruning, a
-- workflow's cascade: the trigger below). The indexer works through it in seq order and records
-- how far it got (its high-water mark) in its own file, atomically with the documents; a search
-- reads the index for what is below the mark and scans the rest. Rows below the mark are deleted
-- as the indexer reports progress; the row at the mark stays, so a new seq is always above it.
DROP TRIGGER IF EXISTS execution_search_forget;
DROP TABLE IF EXISTS execution_search;
DROP TABLE IF EXISTS execution_search_docs;

CREATE TABLE execution_search_queue (
  seq INTEGER PRIMARY KEY,
  execution_id TEXT NOT NULL
);

CREATE TRIGGER execution_search_forget AFTER DELETE ON executions BEGIN
  INSERT INTO execution_search_queue (execution_id) VALUES (old.id);
END;
