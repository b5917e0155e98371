/** /api/executions: list, detail, retry and cancel (both audited), bulk actions (audited once per job). */
import { Router } from 'express';
import { BulkRequest } from '#shared/api/bulk.ts';
import { ListExecutionsQuery, RetryBody } from '#shared/api/schemas.ts';
import type { Services } from '../../services/index.ts';
import { auditFor } from '../audit-context.ts';
import { parse } from '../parse.ts';

export function executionRoutes({ executions, bulk, audit: auditService }: Services): Router {
  const r = Router();
  const audit = auditFor(auditService);
  r.post('/bulk', async (req, res) => {
    const request = parse(BulkRequest, req.body ?? {});
    if (request.dryRun) return void res.json(await bulk.count(request.filter));
    const { job, created } = await bulk.start(request);
    if (created) await audit(req, { action: 'execution.bulk', target: { type: 'bulk_job', id: job.jobId }, detail: { action: job.action, total: job.total } });
    res.status(created ? 202 : 200).json(job);
  });
  r.get('/bulk/:jobId', async (req, res) => {
    res.json(await bulk.get(req.params.jobId));
  });
  r.get('/', async (req, res) => {
    const q = parse(ListExecutionsQuery, req.query, 'query');
    res.json(await executions.list(q));
  });
  r.get('/:id', async (req, res) => {
    res.json(await executions.get(req.params.id));
  });
  r.post('/:id/retry', async (req, res) => {
    const how = parse(RetryBody, req.body ?? {});
    const { executionId } = await executions.retry(req.params.id, how);
    await audit(req, { action: 'execution.retried', target: { type: 'execution', id: executionId }, detail: { retryOf: req.params.id, ...how } });
    res.status(202).json({ executionId });
  });
  r.post('/:id/cancel', async (req, res) => {
    const summary = await executions.cancel(req.params.id);
    await audit(req, { action: 'execution.canceled', target: { type: 'execution', id: req.params.id } });
    res.json(summary);
  });
  return r;
}
