/**
 * /api/workflows: CRUD, saved versions (history, diff, restore), activation, manual runs,
 * export/import, editor helpers (listen, sample). Every change (create, import, duplicate, save,
 * restore, activate, deactivate, delete) and every manual run is audited.
 */
import { Router, type Request } from 'express';
import { ListWorkflowsQuery, RunBody, WorkflowVersionParams } from '#shared/api/schemas.ts';
import { ListVersionsQuery, VersionPairParams } from '#shared/api/versions.ts';
import { AppError } from '#shared/errors.ts';
import { WorkflowDraft } from '#shared/workflow.ts';
import type { Services } from '../../services/index.ts';
import { ImportDocument } from '../../services/workflow.service.ts';
import { ImportOptions } from '../../services/workflow-requirements.ts';
import type { Workflow } from '#shared/workflow.ts';
import { auditFor } from '../audit-context.ts';
import { parse } from '../parse.ts';

const target = (wf: { id: string }) => ({ type: 'workflow', id: wf.id }) as const;
const facts = (wf: Workflow) => ({ name: wf.name, version: wf.version });
/** Who is saving, recorded with the version (the history's "who"). */
const savedBy = (req: Request) => ({ by: req.principal?.user.email ?? null });

export function workflowRoutes({ workflows, runs, webhooks, audit: auditService }: Services): Router {
  const r = Router();
  const audit = auditFor(auditService);
  r.get('/', async (req, res) => {
    res.json(await workflows.list(parse(ListWorkflowsQuery, req.query, 'query')));
  });
  r.post('/', async (req, res) => {
    const wf = await workflows.create(parse(WorkflowDraft, req.body), savedBy(req));
    await audit(req, { action: 'workflow.created', target: target(wf), detail: facts(wf) });
    res.status(201).json(wf);
  });
  r.post('/import', async (req, res) => {
    const doc = parse(ImportDocument, req.body);
    const wf = await workflows.importDocument(doc, savedBy(req), parse(ImportOptions, req.body));
    await audit(req, { action: 'workflow.imported', target: target(wf), detail: facts(wf) });
    res.status(201).json(wf);
  });
  r.get('/:id', async (req, res) => {
    res.json(await workflows.get(req.params.id));
  });
  r.put('/:id', async (req, res) => {
    const wf = await workflows.update(req.params.id, parse(WorkflowDraft, req.body), savedBy(req));
    await audit(req, { action: 'workflow.saved', target: target(wf), detail: facts(wf) });
    res.json(wf);
  });
  r.delete('/:id', async (req, res) => {
    // Read before the delete, so the log names what went.
    const { name, version } = await workflows.record(req.params.id);
    await workflows.remove(req.params.id);
    await audit(req, { action: 'workflow.deleted', target: { type: 'workflow', id: req.params.id }, detail: { name, version } });
    res.status(204).end();
  });
  r.post('/:id/activate', async (req, res) => {
    const wf = await workflows.activate(req.params.id);
    await audit(req, { action: 'workflow.activated', target: target(wf), detail: facts(wf) });
    res.json(wf);
  });
  r.post('/:id/deactivate', async (req, res) => {
    const wf = await workflows.deactivate(req.params.id);
    await audit(req, { action: 'workflow.deactivated', target: target(wf), detail: facts(wf) });
    res.json(wf);
  });
  r.post('/:id/duplicate', async (req, res) => {
    const wf = await workflows.duplicate(req.params.id, savedBy(req));
    await audit(req, { action: 'workflow.created', target: target(wf), detail: { ...facts(wf), duplicateOf: req.params.id } });
    res.status(201).json(wf);
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
    const wf = await workflows.restoreVersion(req.params.id, version, savedBy(req).by);
    await audit(req, { action: 'workflow.saved', target: target(wf), detail: { ...facts(wf), restoredFrom: version } });
    res.json(wf);
  });
  r.post('/:id/run', async (req, res) => {
    const { payload } = parse(RunBody, req.body ?? {});
    const executionId = await runs.runManually(req.params.id, payload);
    // The payload stays out: it is the run's data, kept (and pruned) with the execution.
    await audit(req, { action: 'execution.started', target: { type: 'execution', id: executionId }, detail: { workflowId: req.params.id, mode: 'manual' } });
    res.status(202).json({ executionId });
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
