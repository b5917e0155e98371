/** GET /api/workflows/:id/versions/:version: the graph one saved version holds (what its executions ran). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowVersion } from '#shared/workflow.ts';
import { boot, type Booted } from '../helpers/boot.ts';

let sy: Booted;
beforeAll(async () => {
  sy = await boot();
});
afterAll(() => sy?.close());

const hook = { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: {} };
const call = { id: 'call', type: 'action.http', position: { x: 300, y: 0 }, config: { method: 'GET', url: 'http://127.0.0.1:9/x' } };

describe('workflow versions API', () => {
  it('returns each saved version as it was, without the webhook token', async () => {
    const v1 = (await sy.api('/api/workflows', { body: { name: 'first', nodes: [hook, call], edges: [{ id: 'e', source: 'hook', target: 'call' }] } })).body;
    expect(v1.nodes[0].config.token).toBeTruthy();
    const extra = { id: 'more', type: 'data.transform', position: { x: 600, y: 0 }, config: { expression: '1' } };
    const v2 = await sy.api(`/api/workflows/${v1.id}`, { method: 'PUT', body: { name: 'second', nodes: [...v1.nodes, extra], edges: v1.edges } });
    expect(v2.body.version).toBe(2);

    const old = await sy.api(`/api/workflows/${v1.id}/versions/1`);
    expect(old.status).toBe(200);
    expect(WorkflowVersion.safeParse(old.body).success).toBe(true);
    expect(old.body).toMatchObject({ workflowId: v1.id, version: 1, name: 'first' });
    expect(old.body.nodes.map((n: { id: string }) => n.id)).toEqual(['hook', 'call']);
    expect(old.body.edges).toEqual([{ id: 'e', source: 'hook', target: 'call' }]);
    expect(old.body.nodes[0].config).not.toHaveProperty('token');
    expect(old.body.nodes[1].config).toEqual(call.config);

    const cur = await sy.api(`/api/workflows/${v1.id}/versions/2`);
    expect(cur.body.nodes.map((n: { id: string }) => n.id)).toEqual(['hook', 'call', 'more']);
    expect(cur.body.name).toBe('second');
  });

  it('answers 404 for an unknown workflow or version and 400 with the path for a malformed one', async () => {
    const wf = (await sy.api('/api/workflows', { body: { name: 'one', nodes: [hook] } })).body;
    const missing = await sy.api(`/api/workflows/${wf.id}/versions/7`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', details: [{ path: 'version', message: 'no such version' }] });
    const noWorkflow = await sy.api('/api/workflows/wf_nope/versions/1');
    expect(noWorkflow.status).toBe(404);
    expect(noWorkflow.body.error.code).toBe('NOT_FOUND');
    for (const bad of ['zero', '0', '1.5']) {
      const r = await sy.api(`/api/workflows/${wf.id}/versions/${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.details[0].path).toBe('version');
    }
  });

  it('needs a session or an API key', async () => {
    const r = await fetch(`${sy.base}/api/workflows/wf_x/versions/1`);
    expect(r.status).toBe(401);
  });
});
