/** GET /api/workflows/:id/alerts: the workflow's e-mail alerts, newest first, with their delivery state. */
import { Router } from 'express';
import * as z from 'zod';
import type { AlertService } from '../../services/alerts/alert.service.ts';
import type { WorkflowService } from '../../services/workflow.service.ts';
import { parse } from '../parse.ts';

const AlertsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

export function alertRoutes({ workflows, alerts }: { workflows: Pick<WorkflowService, 'record'>; alerts: Pick<AlertService, 'list'> }): Router {
  const r = Router();
  r.get('/:id/alerts', async (req, res) => {
    const q = parse(AlertsQuery, req.query, 'query');
    const wf = await workflows.record(req.params.id);
    res.json(await alerts.list(wf.id, { limit: q.limit, ...(q.cursor ? { before: q.cursor } : {}) }));
  });
  return r;
}
