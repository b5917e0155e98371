/** Opens the SQLite database (WAL, fsync on commit, foreign keys) and wraps it in Kysely. */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Schema } from '../schema.ts';
import { migrateSqlite } from '../migrate.ts';

export type Db = { sqlite: Database.Database; kysely: Kysely<Schema>; close(): Promise<void> };

/**
 * Opens (creating if needed) and migrates the database at `file` (`:memory:` for unit tests).
 * synchronous=NORMAL, because durability is group-commit.ts's job: it fdatasyncs the WAL after
 * each batch on the thread pool (what FULL would do inside every COMMIT, on the main thread).
 */
export function openDatabase(file: string): Db {
  const sqlite = new Database(file);
  // auto_vacuum must be chosen before the first table exists; incremental lets pruning shrink the file.
  sqlite.pragma('auto_vacuum = INCREMENTAL');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('cache_size = -16000');
  // Checkpoints run in a worker (checkpointer.ts), not inside COMMITs on the event loop.
  sqlite.pragma('wal_autocheckpoint = 0');
  // When a checkpointed WAL restarts, cut it back to 64 MiB, so a burst does not leave it huge.
  sqlite.pragma('journal_size_limit = 67108864');
  migrateSqlite(sqlite);
  const kysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    sqlite,
    kysely,
    async close() {
      await kysely.destroy(); // closes the underlying sqlite handle too
    },
  };
}
