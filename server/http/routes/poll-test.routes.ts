/** POST /api/workflows/:id/nodes/:nodeId/test-poll: one poll now, with the saved or an unsaved config; nothing runs. */
import { Router } from 'express';
import { TestPollBody, type PollTestResult } from '#shared/api/poll-test.ts';
import { AppError } from '#shared/errors.ts';
import { arrayPaths, previewJson } from '#shared/nodes/poll-items.ts';
import type { PollRunner } from '../../engine/poll-run.ts';
import type { WorkflowService } from '../../services/workflow.service.ts';
import { parse } from '../parse.ts';

/** Items returned to the editor; the API may list more (`total`). */
const MAX_ITEMS = 100;
/** The raw body shown when `items` finds nothing: enough to see its shape, not a whole export. */
const MAX_BODY_CHARS = 20_000;

export function pollTestRoutes(deps: {
  workflows: Pick<WorkflowService, 'record'>;
  runner: PollRunner;
  /** Known secret values (credentials, secret variables) out of the answer: an upstream API may echo what it was sent. */
  scrub?: <T>(value: T) => T;
}): Router {
  const scrub = deps.scrub ?? (<T>(v: T) => v);
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
      throw new AppError('CONFIG_INVALID', `the test poll failed: ${scrub(e.message ?? String(err))}`, {
        details: { code: e.code ?? 'POLL_FAILED', ...(e.details?.status !== undefined ? { status: e.details.status } : {}) },
        cause: err,
      });
    }
    if (result.notModified) {
      res.json({ status: result.status ?? null, items: [], total: 0, found: 'nothing', unkeyed: 0, response: null } satisfies PollTestResult);
      return;
    }
    const { items, response } = result;
    const preview = response ? previewJson(response.body, MAX_BODY_CHARS) : null;
    res.json(scrub({
      status: result.status ?? null,
      items: items.slice(0, MAX_ITEMS),
      total: items.length,
      found: result.found ?? (items.length ? 'list' : 'nothing'),
      unkeyed: items.filter((it) => it.keyed === false).length,
      response:
        response && preview
          ? { status: response.status, headers: response.headers, body: preview.text, truncated: preview.truncated, lists: arrayPaths(response.body) }
          : null,
    } satisfies PollTestResult));
  });
  return r;
}
