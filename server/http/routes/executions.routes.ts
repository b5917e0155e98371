/** /api/executions: list, detail, retry, cancel. */
import { Router } from 'express';
import { ListExecutionsQuery } from '#shared/api/schemas.ts';
import type { Services } from '../../services/index.ts';
import { parse } from '../parse.ts';

export function executionRoutes({ executions }: Services): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    const q = parse(ListExecutionsQuery, req.query, 'query');
    res.json(await executions.list(q));
  });
  r.get('/:id', async (req, res) => {
    res.json(await executions.get(req.params.id));
  });
  r.post('/:id/retry', async (req, res) => {
    const { executionId } = await executions.retry(req.params.id);
    res.status(202).json({ executionId });
  });
  r.post('/:id/cancel', async (req, res) => {
    res.json(await executions.cancel(req.params.id));
  });
  return r;
}
