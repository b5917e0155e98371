/**
 * Retention: deletes executions past the age and per-workflow count limits, then gives the space
 * back (incremental vacuum) and truncates the WAL, so the database file really shrinks.
 */
import type Database from 'better-sqlite3';
import type { ExecutionQueryRepo } from '../db/repos/execution-query.repo.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { IDEMPOTENCY_WINDOW_MS } from '../services/webhook.service.ts';

export function createPruner(deps: {
  query: ExecutionQueryRepo;
  sqlite: Database.Database;
  clock: Clock;
  logger: Logger;
  maxAgeMs: number;
  maxPerWorkflow: number;
  intervalMs: number;
}) {
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  async function pruneNow(): Promise<{ deleted: number; freedPages: number }> {
    if (running) return { deleted: 0, freedPages: 0 };
    running = true;
    try {
      const now = deps.clock.now();
      const deleted = await deps.query.prune({
        olderThan: now - deps.maxAgeMs,
        keepPerWorkflow: deps.maxPerWorkflow,
        idempotencyOlderThan: now - IDEMPOTENCY_WINDOW_MS,
      });
      const before = deps.sqlite.pragma('freelist_count', { simple: true }) as number;
      if (before > 0) deps.sqlite.pragma('incremental_vacuum');
      deps.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      if (deleted) deps.logger.info('executions pruned', { deleted, freedPages: before });
      return { deleted, freedPages: before };
    } finally {
      running = false;
    }
  }

  return {
    pruneNow,
    start() {
      timer = setInterval(() => {
        pruneNow().catch((err: unknown) => deps.logger.error('pruning failed', { err: String(err) }));
      }, deps.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
