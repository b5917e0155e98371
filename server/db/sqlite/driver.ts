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
import { dropSearchIndex, openSearchIndex, searchFileOf, type SearchReader } from './search-index.ts';
import { startSearchIndexer, type IndexerOptions, type SearchIndexer } from './search-indexer.ts';

/** How long the queue's finished rows wait before they are deleted: one DELETE for many reports. */
const TRIM_DELAY_MS = 500;

export type SqliteStore = Store & { db: Db };

/**
 * Opens `file` (`:memory:` for unit tests). With `dataDir`, the directory is locked to this process
 * first and a checkpointer is started (both pointless for an in-memory database). `searchIndex`:
 * keep the full-text index (search-index.ts; never for `:memory:`); without it the index file is
 * removed, and a search scans.
 */
export function openSqliteStore(
  file: string,
  opts: { dataDir?: string; logger?: Logger; inspectorKeep?: number; commitObserver?: CommitObserver; searchIndex?: boolean; indexer?: Omit<IndexerOptions, 'onProgress' | 'onError'> } = {},
): SqliteStore {
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
  let closed = false;
  const indexed = (opts.searchIndex ?? false) && file !== ':memory:';
  const executions = createSqliteExecutionStore(db.sqlite, commit, { searchIndex: indexed });
  let search: SearchReader | undefined;
  let indexer: SearchIndexer | undefined;
  if (indexed) {
    search = openSearchIndex(file, db.sqlite);
    // Queue rows below the indexer's mark are done with: deleted together, a moment after a report.
    const trim = db.sqlite.prepare('DELETE FROM execution_search_queue WHERE seq < ?');
    let mark = 0;
    let trimTimer: NodeJS.Timeout | undefined;
    indexer = startSearchIndexer(file, searchFileOf(file), {
      ...opts.indexer,
      onProgress: (p) => {
        mark = p.mark;
        trimTimer ??= setTimeout(() => {
          trimTimer = undefined;
          if (!closed) commit.run(() => trim.run(mark), { single: true }).catch((err: unknown) => opts.logger?.warn('search queue trim failed', { err }));
        }, TRIM_DELAY_MS).unref();
      },
      onError: (msg) => opts.logger?.warn('search indexer failed', { err: msg }),
    });
  } else if (file !== ':memory:') {
    dropSearchIndex(file, db.sqlite);
  }
  const inspector = createSqliteInspectorStore(db.sqlite, commit, opts.inspectorKeep ?? INSPECTOR_KEEP);

  return {
    dialect: 'sqlite',
    db,
    kysely: db.kysely,
    executions,
    inspector,
    ...(search ? { search } : {}),
    sync: () => commit.sync(),
    async compact() {
      const sqlite = db.sqlite;
      const freedPages = sqlite.pragma('freelist_count', { simple: true }) as number;
      // Deletions queue a row each for the indexer (migration 018's trigger); without one, nobody else reads them.
      if (!indexed) await commit.run(() => sqlite.prepare('DELETE FROM execution_search_queue').run(), { single: true });
      if (freedPages > 0) sqlite.pragma('incremental_vacuum');
      // Something was deleted: the index merges its segments (a delete leaves postings behind until
      // then) in its worker.
      if (freedPages > 0) await indexer?.compact();
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
      await indexer?.stop();
      await search?.close();
      commit.flush();
      await commit.sync();
      commit.close();
      await checkpointer?.stop();
      await db.close();
      lock?.release();
    },
  };
}
