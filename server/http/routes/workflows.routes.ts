/** /api/workflows: CRUD, saved versions, activation, manual runs, export/import, editor helpers (listen, sample). */
import { Router } from 'express';
import { ListWorkflowsQuery, RunBody, WorkflowVersionParams } from '#shared/api/schemas.ts';
import { AppError } from '#shared/errors.ts';
import { WorkflowDraft } from '#shared/workflow.ts';
import type { Services } from '../../services/index.ts';
import { ImportDocument } from '../../services/workflow.service.ts';
import { parse } from '../parse.ts';

export function workflowRoutes({ workflows, runs, webhooks }: Services): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    res.json(await workflows.list(parse(ListWorkflowsQuery, req.query, 'query')));
  });
  r.post('/', async (req, res) => {
    res.status(201).json(await workflows.create(parse(WorkflowDraft, req.body)));
  });
  r.post('/import', async (req, res) => {
    res.status(201).json(await workflows.importDocument(parse(ImportDocument, req.body)));
  });
  r.get('/:id', async (req, res) => {
    res.json(await workflows.get(req.params.id));
  });
  r.put('/:id', async (req, res) => {
    res.json(await workflows.update(req.params.id, parse(WorkflowDraft, req.body)));
  });
  r.delete('/:id', async (req, res) => {
    await workflows.remove(req.params.id);
    res.status(204).end();
  });
  r.post('/:id/activate', async (req, res) => {
    res.json(await workflows.activate(req.params.id));
  });
  r.post('/:id/deactivate', async (req, res) => {
    res.json(await workflows.deactivate(req.params.id));
  });
  r.post('/:id/duplicate', async (req, res) => {
    res.status(201).json(await workflows.duplicate(req.params.id));
  });
  r.get('/:id/export', async (req, res) => {
    const doc = await workflows.export(req.params.id);
    res.setHeader('Content-Disposition', `attachment; filename="${doc.workflow.name.replace(/[^\w.-]+/g, '_')}.switchyard.json"`);
    res.json(doc);
  });
  r.get('/:id/versions/:version', async (req, res) => {
    const { version } = parse(WorkflowVersionParams, { version: req.params.version }, 'params');
    res.json(await workflows.version(req.params.id, version));
  });
  r.post('/:id/run', async (req, res) => {
    const { payload } = parse(RunBody, req.body ?? {});
    res.status(202).json({ executionId: await runs.runManually(req.params.id, payload) });
  });
  r.post('/:id/nodes/:nodeId/listen', async (req, res) => {
    const wf = await workflows.get(req.params.id);
    const trig = wf.triggers.find((t) => t.nodeId === req.params.nodeId && t.type === 'trigger.webhook');
    if (!trig?.url) throw new AppError('NOT_FOUND', 'no webhook node with that id in the saved workflow; save first');
    res.json({ url: trig.url, ...(await webhooks.listen(wf.id, req.params.nodeId)) });
  });
  r.get('/:id/nodes/:nodeId/sample', async (req, res) => {
    await workflows.record(req.params.id);
    res.json(await webhooks.sample(req.params.id, req.params.nodeId));
  });
  return r;
}
