/**
 * The webhook request inspector under /api/workflows/:id/nodes/:nodeId/requests: the last 50
 * requests a webhook node received, and replaying one into a new execution (audited; the webhook's
 * own requests are not: no person sent them).
 */
import { Router } from 'express';
import { AppError } from '#shared/errors.ts';
import { auditFor } from '../audit-context.ts';
import type { AuditService } from '../../services/audit.service.ts';
import type { WebhookService } from '../../services/webhook.service.ts';
import type { WorkflowService } from '../../services/workflow.service.ts';

export function webhookRequestRoutes({ workflows, webhooks, audit: auditService }: { workflows: WorkflowService; webhooks: WebhookService; audit: AuditService }): Router {
  const r = Router();
  const audit = auditFor(auditService);

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
    const { executionId } = await webhooks.replay(target, req.params.requestId);
    await audit(req, {
      action: 'execution.replayed',
      target: { type: 'execution', id: executionId },
      detail: { workflowId: wf.id, nodeId: req.params.nodeId, requestId: req.params.requestId },
    });
    res.status(202).json({ executionId });
  });

  return r;
}
