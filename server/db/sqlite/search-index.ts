/**
 * The SQLite full-text index of executions (issue 13), in a file of its own beside the database
 * (`switchyard-search.db` for `switchyard.db`): one FTS5 trigram document per finished execution
 * (every step output, the trigger's included, as stored: already scrubbed of credentials), written
 * by the indexer worker (search-indexer.ts) from the queue of migration 018. This module opens the
 * file (creating, or resetting it for a rebuild), and gives the server a read connection that sees
 * both files, for the search query (repos/execution-search.ts).
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { Kysely, SqliteDialect } from 'kysely';
import type { Schema } from '../schema.ts';

/** Bumped when the index's own layout changes: a file of another version is rebuilt. */
const FORMAT = 1;

export const searchFileOf = (file: string): string => file.replace(/(\.[^./\\]+)?$/, (ext) => `-search${ext}`);

/** The read side: Kysely over a connection whose main database is the index, the executions' attached. */
export type SearchReader = { kysely: Kysely<Schema>; isReady(): boolean; close(): Promise<void> };

/**
 * Contentless (content=''): the text is kept once, in steps, not a second time in the index;
 * contentless_delete lets pruning take documents out. search_docs maps documents to executions
 * (AUTOINCREMENT: a document id is never reused, so a tombstone cannot hide a newer document).
 * search_state holds the high-water mark over execution_search_queue, whether the index is built
 * (ready), and how far a build has come (rebuilt_to, an execution id).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS search_state (id INTEGER PRIMARY KEY CHECK (id = 1), mark INTEGER NOT NULL, ready INTEGER NOT NULL, rebuilt_to TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS search_docs (doc INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE IF NOT EXISTS execution_search USING fts5(body, content = '', contentless_delete = 1, tokenize = 'trigram');
`;
/** The idle merges of the indexer join any two segments of a level (search-indexer.ts). */
const MERGE_CONFIG = `INSERT INTO execution_search (execution_search, rank) VALUES ('usermerge', 2)`;

const removeFiles = (file: string) => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
};

/**
 * Opens (creating) the index of `mainFile` and returns its reader. The index is reset — emptied, to
 * be built again from the executions — when it is new, of another format, or ahead of the queue
 * (its mark above every queued seq: the database was replaced, e.g. by a restored backup).
 * `main` is the server's own connection to `mainFile` (it reads the queue's top).
 */
export function openSearchIndex(mainFile: string, main: Database.Database): SearchReader {
  const searchFile = searchFileOf(mainFile);
  let idx = new Database(searchFile);
  if ((idx.pragma('user_version', { simple: true }) as number) !== FORMAT && (idx.prepare(`SELECT count(*) AS n FROM sqlite_master`).get() as { n: number }).n > 0) {
    idx.close();
    removeFiles(searchFile);
    idx = new Database(searchFile);
  }
  // auto_vacuum must be chosen before the first table exists; incremental lets compaction shrink the file.
  idx.pragma('auto_vacuum = INCREMENTAL');
  idx.pragma('journal_mode = WAL');
  idx.pragma('busy_timeout = 5000');
  idx.exec(SCHEMA);
  idx.exec(MERGE_CONFIG);
  idx.pragma(`user_version = ${FORMAT}`);
  const top = main.prepare('SELECT coalesce(max(seq), 0) FROM execution_search_queue').pluck().get() as number;
  const state = idx.prepare('SELECT mark FROM search_state WHERE id = 1').get() as { mark: number } | undefined;
  if (!state || state.mark > top) {
    idx.transaction(() => {
      idx.exec(`DELETE FROM search_docs; DROP TABLE execution_search;`);
      idx.exec(SCHEMA);
      idx.exec(MERGE_CONFIG);
      // Everything queued up to now is covered by the build (which reads the executions themselves).
      idx.prepare(`INSERT OR REPLACE INTO search_state (id, mark, ready, rebuilt_to) VALUES (1, ?, 0, '')`).run(top);
    })();
  }
  idx.prepare('ATTACH DATABASE ? AS ex').run(mainFile);
  const ready = idx.prepare('SELECT ready FROM search_state WHERE id = 1').pluck();
  let isReady = false;
  const kysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: idx }) });
  return {
    kysely,
    // Once built, the index stays built for the life of the process.
    isReady: () => (isReady ||= ready.get() === 1),
    async close() {
      await kysely.destroy();
    },
  };
}

/** EXECUTION_SEARCH_INDEX=off: the index file goes (it would go stale), and so does the queue. */
export function dropSearchIndex(mainFile: string, main: Database.Database): void {
  removeFiles(searchFileOf(mainFile));
  main.prepare('DELETE FROM execution_search_queue').run();
}
