/**
 * Retention: deletes executions past the age and per-workflow count limits and audit log entries
 * past theirs, then gives the space back (on SQLite: incremental vacuum and a WAL truncate), so the
 * database file really shrinks.
 */
import type { ExecutionQueryRepo } from '../db/repos/execution-query.repo.ts';
import type { Store } from '../db/store.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { IDEMPOTENCY_WINDOW_MS } from './start.ts';

/** `deleted` counts executions; `auditDeleted` audit log entries. */
export type PruneResult = { deleted: number; auditDeleted: number; freedPages: number };

export function createPruner(deps: {
  query: ExecutionQueryRepo;
  store: Pick<Store, 'compact'>;
  clock: Clock;
  logger: Logger;
  maxAgeMs: number;
  maxPerWorkflow: number;
  /** The audit log's retention (the engine layer knows it only as a prune function). */
  audit?: { prune(olderThan: number): Promise<number>; maxAgeMs: number };
  intervalMs: number;
}) {
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  async function pruneNow(): Promise<PruneResult> {
    if (running) return { deleted: 0, auditDeleted: 0, freedPages: 0 };
    running = true;
    try {
      const now = deps.clock.now();
      const deleted = await deps.query.prune({
        olderThan: now - deps.maxAgeMs,
        keepPerWorkflow: deps.maxPerWorkflow,
        idempotencyOlderThan: now - IDEMPOTENCY_WINDOW_MS,
      });
      const auditDeleted = deps.audit ? await deps.audit.prune(now - deps.audit.maxAgeMs) : 0;
      const { freedPages } = await deps.store.compact();
      if (deleted) deps.logger.info('executions pruned', { deleted, freedPages });
      if (auditDeleted) deps.logger.info('audit log pruned', { deleted: auditDeleted });
      return { deleted, auditDeleted, freedPages };
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
