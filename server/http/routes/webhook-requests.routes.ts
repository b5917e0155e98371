/**
 * The webhook request inspector under /api/workflows/:id/nodes/:nodeId/requests: the last 50
 * requests a webhook node received, and replaying one into a new execution.
 */
import { Router } from 'express';
import { AppError } from '#shared/errors.ts';
import type { WebhookService } from '../../services/webhook.service.ts';
import type { WorkflowService } from '../../services/workflow.service.ts';

export function webhookRequestRoutes({ workflows, webhooks }: { workflows: WorkflowService; webhooks: WebhookService }): Router {
  const r = Router();

  /** The saved workflow (404 if none) and proof that nodeId is a webhook node in it. */
  async function webhookNode(id: string, nodeId: string) {
    const wf = await workflows.record(id);
    if (!wf.nodes.some((n) => n.id === nodeId && n.type === 'trigger.webhook')) {
      throw new AppError('NOT_FOUND', `no webhook node "${nodeId}" in the saved workflow`);
    }
    return wf;
  }

  r.get('/:id/nodes/:nodeId/requests', async (req, res) => {
    const wf = await webhookNode(req.params.id, req.params.nodeId);
    res.json(await webhooks.requests(wf.id, req.params.nodeId));
  });

  r.post('/:id/nodes/:nodeId/requests/:requestId/replay', async (req, res) => {
    const wf = await webhookNode(req.params.id, req.params.nodeId);
    const target = { workflowId: wf.id, workflowVersion: wf.version, nodeId: req.params.nodeId };
    res.status(202).json(await webhooks.replay(target, req.params.requestId));
  });

  return r;
}
