/**
 * Bulk actions on executions (POST /api/executions/bulk): retry, cancel or delete every execution
 * a filter matches — not a page — in the background, with progress. The job acts on what matched
 * when it was made (ids up to the newest then: the retries it starts are never its own targets),
 * newest first, writing its place and counts after each page, so a restart resumes it where it
 * was. A retry it starts carries an idempotency key of (job, execution): a page acted on again
 * after a crash starts no second retry. The same request within 10 minutes returns the same job.
 */
import { createHash } from 'node:crypto';
import { AppError } from '#shared/errors.ts';
import type { BulkJob, BulkRequest } from '#shared/api/bulk.ts';
import type { BulkJobRepo, BulkJobRow } from '../db/repos/bulk-job.repo.ts';
import { iso, type Clock } from '../lib/clock.ts';
import { newOrderedId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import type { ExecutionService } from './execution.service.ts';

const PAGE = 100;
const SAME_REQUEST_MS = 10 * 60_000;

const toJob = (r: BulkJobRow): BulkJob => ({
  jobId: r.id,
  action: r.action as BulkJob['action'],
  status: r.status as BulkJob['status'],
  total: r.total,
  done: r.done,
  failed: r.failed,
  createdAt: iso(r.created_at)!,
  finishedAt: iso(r.finished_at),
});

export function createBulkService(deps: { repo: BulkJobRepo; executions: Pick<ExecutionService, 'retry' | 'cancel'>; clock: Clock; logger: Logger }) {
  const running = new Map<string, Promise<void>>();

  async function act(job: BulkJobRow, req: BulkRequest, id: string): Promise<boolean> {
    try {
      if (req.action === 'retry') await deps.executions.retry(id, req.retry, { token: `bulk:${job.id}`, key: id });
      else if (req.action === 'cancel') await deps.executions.cancel(id);
      else if (!(await deps.repo.deleteFinished(id))) return false;
      return true;
    } catch (err) {
      // A refusal (a finished run canceled, a run without a failed step retried from it) counts as failed.
      if (err instanceof AppError) return false;
      throw err;
    }
  }

  async function work(job: BulkJobRow): Promise<void> {
    const req = JSON.parse(job.request) as BulkRequest;
    let { cursor, done, failed } = job;
    while (job.upto_id) {
      const ids = await deps.repo.page(req.filter, job.upto_id, cursor, PAGE);
      if (ids.length === 0) break;
      for (const id of ids) {
        done++;
        if (!(await act(job, req, id))) failed++;
      }
      cursor = ids[ids.length - 1]!;
      await deps.repo.progress(job.id, { cursor, done, failed, status: 'running', finished_at: null });
    }
    await deps.repo.progress(job.id, { cursor, done, failed, status: 'done', finished_at: deps.clock.now() });
    deps.logger.info('bulk job done', { jobId: job.id, action: job.action, done, failed });
  }

  function run(job: BulkJobRow): void {
    if (running.has(job.id)) return;
    const p = work(job)
      .catch((err: unknown) => deps.logger.error('bulk job stopped; it resumes at the next start', { jobId: job.id, err: String(err) }))
      .finally(() => running.delete(job.id));
    running.set(job.id, p);
  }

  return {
    /** The job for this request: a new one, or the one the same request made within 10 minutes. */
    async start(req: BulkRequest): Promise<{ job: BulkJob; created: boolean }> {
      const { dryRun: _count, ...acting } = req;
      const key = createHash('sha256').update(JSON.stringify(acting)).digest('hex');
      const now = deps.clock.now();
      const same = await deps.repo.recent(key, now - SAME_REQUEST_MS);
      if (same) return { job: toJob(same), created: false };
      const { total, uptoId } = await deps.repo.snapshot(req.filter);
      const row: BulkJobRow = {
        id: newOrderedId('bulk', now),
        request_key: key,
        action: req.action,
        request: JSON.stringify(req),
        upto_id: uptoId,
        cursor: null,
        total,
        done: 0,
        failed: 0,
        status: 'running',
        created_at: now,
        finished_at: null,
      };
      await deps.repo.insert(row);
      run(row);
      return { job: toJob(row), created: true };
    },
    /** How many executions the filter matches now. */
    count: async (filter: BulkRequest['filter']): Promise<{ total: number }> => ({ total: (await deps.repo.snapshot(filter)).total }),
    async get(id: string): Promise<BulkJob> {
      const row = await deps.repo.get(id);
      if (!row) throw new AppError('NOT_FOUND', `bulk job ${id} not found`);
      return toJob(row);
    },
    /** At boot: jobs a stop or crash left unfinished go on from their place. */
    async resumeAll(): Promise<number> {
      const rows = await deps.repo.unfinished();
      for (const r of rows) run(r);
      return rows.length;
    },
    /** Resolves when no job is running here (tests, graceful stop). */
    idle: async () => void (await Promise.all([...running.values()])),
  };
}
export type BulkService = ReturnType<typeof createBulkService>;
