/**
 * The SQLite driver of the store port: one file in WAL mode owned by one process, group commit
 * (one fdatasync per batch, off the main thread) and WAL checkpoints in a worker thread.
 */
import { join } from 'node:path';
import type { Logger } from '../../lib/logger.ts';
import { INSPECTOR_KEEP, type Store } from '../store.ts';
import { startCheckpointer, type Checkpointer } from './checkpointer.ts';
import { openDatabase, type Db } from './connection.ts';
import { createSqliteExecutionStore } from './execution-store.ts';
import { createGroupCommit, type CommitObserver } from './group-commit.ts';
import { createSqliteInspectorStore } from './inspector-store.ts';
import { acquireProcessLock, type ProcessLock } from './process-lock.ts';

/** The search index's merge budget per compaction, in pages (4 KiB each: ~8 MiB written at most). */
const SEARCH_MERGE_PAGES = 2000;

export type SqliteStore = Store & { db: Db };

/**
 * Opens `file` (`:memory:` for unit tests). With `dataDir`, the directory is locked to this process
 * first and a checkpointer is started (both pointless for an in-memory database).
 */
export function openSqliteStore(file: string, opts: { dataDir?: string; logger?: Logger; inspectorKeep?: number; commitObserver?: CommitObserver; searchIndex?: boolean } = {}): SqliteStore {
  const lock: ProcessLock | undefined = opts.dataDir ? acquireProcessLock(join(opts.dataDir, 'switchyard.lock')) : undefined;
  let db: Db;
  try {
    db = openDatabase(file);
  } catch (err) {
    lock?.release();
    throw err;
  }
  const commit = createGroupCommit(db.sqlite, opts.commitObserver ? { observer: opts.commitObserver } : {});
  const checkpointer: Checkpointer | undefined =
    file === ':memory:' ? undefined : startCheckpointer(file, { onError: (err) => opts.logger?.warn('wal checkpoint failed', { err }) });
  const executions = createSqliteExecutionStore(db.sqlite, commit, { searchIndex: opts.searchIndex ?? true });
  const inspector = createSqliteInspectorStore(db.sqlite, commit, opts.inspectorKeep ?? INSPECTOR_KEEP);
  let closed = false;

  return {
    dialect: 'sqlite',
    db,
    kysely: db.kysely,
    executions,
    inspector,
    sync: () => commit.sync(),
    async compact() {
      const sqlite = db.sqlite;
      let freedPages = sqlite.pragma('freelist_count', { simple: true }) as number;
      if (freedPages > 0) {
        // Something was deleted. An FTS5 delete leaves the search index's pages in place until its
        // segments merge: merge them now, with a bounded budget (about SEARCH_MERGE_PAGES pages
        // written; a later pass goes on where this one stopped).
        sqlite.prepare(`INSERT INTO execution_search (execution_search, rank) VALUES ('merge', ?)`).run(-SEARCH_MERGE_PAGES);
        freedPages = sqlite.pragma('freelist_count', { simple: true }) as number;
        sqlite.pragma('incremental_vacuum');
      }
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      return { freedPages };
    },
    async ping() {
      // A write that changes nothing proves the file is writable (disk present, not read-only).
      await commit.run(() => db.sqlite.prepare('UPDATE vault_meta SET value = value WHERE 0').run(), { single: true });
    },
    stats: () => ({ ...commit.stats() }),
    async close() {
      if (closed) return;
      closed = true;
      executions.flushSearch();
      commit.flush();
      await commit.sync();
      commit.close();
      await checkpointer?.stop();
      await db.close();
      lock?.release();
    },
  };
}
