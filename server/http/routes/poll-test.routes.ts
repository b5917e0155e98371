/** POST /api/workflows/:id/nodes/:nodeId/test-poll: one poll now, with the saved or an unsaved config; nothing runs. */
import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '#shared/errors.ts';
import type { PollRunner } from '../../engine/poll-run.ts';
import type { WorkflowService } from '../../services/workflow.service.ts';
import { parse } from '../parse.ts';

export const TestPollBody = z.object({ config: z.record(z.string(), z.unknown()).optional() }).default({});

/** Items returned to the editor; the API may list more (`total`). */
const MAX_ITEMS = 100;

export function pollTestRoutes(deps: { workflows: Pick<WorkflowService, 'record'>; runner: PollRunner }): Router {
  const r = Router();
  r.post('/:id/nodes/:nodeId/test-poll', async (req, res) => {
    const { config } = parse(TestPollBody, req.body ?? {});
    const wf = await deps.workflows.record(req.params.id);
    const node = wf.nodes.find((n) => n.id === req.params.nodeId);
    if (!node) throw new AppError('NOT_FOUND', `no node "${req.params.nodeId}" in the saved workflow; save first`);
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) abort.abort(new Error('client went away'));
    });
    let result;
    try {
      result = await deps.runner.run({ workflow: { id: wf.id, name: wf.name }, node, ...(config ? { config } : {}) }, { signal: abort.signal });
    } catch (err) {
      if (err instanceof AppError) throw err;
      // The upstream API failed (HTTP status, network, items expression): the config does not work as is.
      const e = err as { message?: string; code?: string; details?: { status?: number } };
      throw new AppError('CONFIG_INVALID', `the test poll failed: ${e.message ?? String(err)}`, {
        details: { code: e.code ?? 'POLL_FAILED', ...(e.details?.status !== undefined ? { status: e.details.status } : {}) },
        cause: err,
      });
    }
    const items = result.notModified ? [] : result.items;
    res.json({ status: result.status ?? null, items: items.slice(0, MAX_ITEMS), total: items.length });
  });
  return r;
}
