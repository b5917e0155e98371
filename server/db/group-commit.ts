/**
 * Group commit: writes queued within one tick (or `windowMs`) share one transaction and one fsync.
 * Each caller's promise settles only after its transaction has committed, so "acknowledged" means
 * "on disk". A failing write rolls back only its own savepoint.
 */
import type Database from 'better-sqlite3';

type Pending = { fn: () => unknown; resolve(v: unknown): void; reject(e: unknown): void };

export type GroupCommit = {
  /** Runs `fn` inside the next shared transaction; resolves after COMMIT. */
  run<T>(fn: () => T): Promise<T>;
  /** Commits whatever is queued now. */
  flush(): void;
  stats(): { batches: number; writes: number };
};

export function createGroupCommit(sqlite: Database.Database, options: { windowMs?: number; maxBatch?: number } = {}): GroupCommit {
  const windowMs = options.windowMs ?? 0;
  const maxBatch = options.maxBatch ?? 2000;
  let queue: Pending[] = [];
  let scheduled = false;
  let batches = 0;
  let writes = 0;

  const savepoint = sqlite.prepare('SAVEPOINT w');
  const release = sqlite.prepare('RELEASE w');
  const rollbackTo = sqlite.prepare('ROLLBACK TO w');
  const begin = sqlite.prepare('BEGIN IMMEDIATE');
  const commit = sqlite.prepare('COMMIT');
  const rollback = sqlite.prepare('ROLLBACK');

  function flush(): void {
    scheduled = false;
    while (queue.length) {
      const batch = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
      if (batch === queue) queue = [];
      const results: { ok: boolean; value: unknown }[] = [];
      try {
        begin.run();
        for (const p of batch) {
          savepoint.run();
          try {
            results.push({ ok: true, value: p.fn() });
            release.run();
          } catch (err) {
            rollbackTo.run();
            release.run();
            results.push({ ok: false, value: err });
          }
        }
        commit.run();
      } catch (err) {
        // The whole transaction failed (disk full, I/O error): nothing in it is durable.
        if (sqlite.inTransaction) rollback.run();
        for (const p of batch) p.reject(err);
        continue;
      }
      batches++;
      writes += batch.length;
      batch.forEach((p, i) => {
        const r = results[i]!;
        if (r.ok) p.resolve(r.value);
        else p.reject(r.value);
      });
    }
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    if (windowMs > 0) setTimeout(flush, windowMs);
    else setImmediate(flush);
  }

  return {
    run<T>(fn: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
        schedule();
      });
    },
    flush,
    stats: () => ({ batches, writes }),
  };
}
