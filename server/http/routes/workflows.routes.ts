/** /api/workflows: CRUD, saved versions, activation, manual runs, export/import, editor helpers (listen, sample). */
import { Router, type Request } from 'express';
import { ListWorkflowsQuery, RunBody, WorkflowVersionParams } from '#shared/api/schemas.ts';
import { ListVersionsQuery, VersionPairParams } from '#shared/api/versions.ts';
import { AppError } from '#shared/errors.ts';
import { WorkflowDraft } from '#shared/workflow.ts';
import type { Services } from '../../services/index.ts';
import { ImportDocument } from '../../services/workflow.service.ts';
import { parse } from '../parse.ts';

/** Who is saving, recorded with the version (the history's "who"). */
const savedBy = (req: Request) => ({ by: req.principal?.user.email ?? null });

export function workflowRoutes({ workflows, runs, webhooks }: Services): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    res.json(await workflows.list(parse(ListWorkflowsQuery, req.query, 'query')));
  });
  r.post('/', async (req, res) => {
    res.status(201).json(await workflows.create(parse(WorkflowDraft, req.body), savedBy(req)));
  });
  r.post('/import', async (req, res) => {
    res.status(201).json(await workflows.importDocument(parse(ImportDocument, req.body), savedBy(req)));
  });
  r.get('/:id', async (req, res) => {
    res.json(await workflows.get(req.params.id));
  });
  r.put('/:id', async (req, res) => {
    res.json(await workflows.update(req.params.id, parse(WorkflowDraft, req.body), savedBy(req)));
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
    res.status(201).json(await workflows.duplicate(req.params.id, savedBy(req)));
  });
  r.get('/:id/export', async (req, res) => {
    const doc = await workflows.export(req.params.id);
    res.setHeader('Content-Disposition', `attachment; filename="${doc.workflow.name.replace(/[^\w.-]+/g, '_')}.switchyard.json"`);
    res.json(doc);
  });
  r.get('/:id/versions', async (req, res) => {
    res.json(await workflows.listVersions(req.params.id, parse(ListVersionsQuery, req.query, 'query')));
  });
  r.get('/:id/versions/:version', async (req, res) => {
    const { version } = parse(WorkflowVersionParams, { version: req.params.version }, 'params');
    res.json(await workflows.version(req.params.id, version));
  });
  r.get('/:id/versions/:a/diff/:b', async (req, res) => {
    const { a, b } = parse(VersionPairParams, { a: req.params.a, b: req.params.b }, 'params');
    res.json(await workflows.diffVersions(req.params.id, a, b));
  });
  r.post('/:id/versions/:version/restore', async (req, res) => {
    const { version } = parse(WorkflowVersionParams, { version: req.params.version }, 'params');
    res.json(await workflows.restoreVersion(req.params.id, version, savedBy(req).by));
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
