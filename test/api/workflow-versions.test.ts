/**
 * The version history API: one saved version (what its executions ran), the list with who, when
 * and a summary, the diff between two, restore, the WORKFLOW_VERSIONS_MAX cap, and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionList, type VersionListItem } from '#shared/api/versions.ts';
import { Workflow, WorkflowVersion } from '#shared/workflow.ts';
import { boot, until, type Booted } from '../helpers/boot.ts';

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

type Node = { id: string; type: string; position: { x: number; y: number }; config: Record<string, unknown> };
const ids = (nodes: { id: string }[]) => nodes.map((n) => n.id);

/** Saves v1…v5 of one workflow: add a node, change the call's config, remove the node, move the call. */
async function fiveVersions(name = 'history') {
  const nodes: Node[] = [hook, { ...call, config: { ...call.config, body: { user: { email: 'a@example.com' } } } }];
  const edges = [{ id: 'e', source: 'hook', target: 'call' }];
  const wf = (await sy.api('/api/workflows', { body: { name, nodes, edges } })).body;
  const put = async (body: unknown) => {
    const r = await sy.api(`/api/workflows/${wf.id}`, { method: 'PUT', body });
    expect(r.status).toBe(200);
    return r.body;
  };
  const saved1 = wf.nodes as Node[];
  const more = { id: 'more', type: 'data.transform', position: { x: 600, y: 0 }, config: { expression: '1' } };
  await put({ name, nodes: [...saved1, more], edges }); // v2
  const edited = saved1.map((n) => (n.id === 'call' ? { ...n, config: { ...n.config, url: 'http://127.0.0.1:9/y', body: { user: { email: 'b@example.com' } } } } : n));
  await put({ name, nodes: [...edited, more], edges }); // v3
  await put({ name, nodes: edited, edges }); // v4
  const moved = edited.map((n) => (n.id === 'call' ? { ...n, position: { x: 320, y: 80 } } : n));
  await put({ name, nodes: moved, edges }); // v5
  return wf.id as string;
}

describe('version history', () => {
  it('lists every version newest first: who, when, and what changed against the one before', async () => {
    const id = await fiveVersions();
    const r = await sy.api(`/api/workflows/${id}/versions`);
    expect(r.status).toBe(200);
    expect(VersionList.safeParse(r.body).success).toBe(true);
    expect(r.body.items.map((v: VersionListItem) => [v.version, v.summary])).toEqual([
      [5, '1 node moved'],
      [4, '1 node removed'],
      [3, '1 node changed'],
      [2, '1 node added'],
      [1, 'created with 2 nodes'],
    ]);
    for (const v of r.body.items as VersionListItem[]) {
      expect(v.savedBy).toBe('owner@example.com');
      expect(Number.isNaN(Date.parse(v.savedAt))).toBe(false);
      expect(v.isCurrent).toBe(v.version === 5);
    }
    expect(r.body.items.map((v: VersionListItem) => v.previous)).toEqual([4, 3, 2, 1, null]);
    expect(r.body.nextCursor).toBeNull();

    // Pages: the oldest of a page is still summarised against its predecessor on the next one.
    const first = await sy.api(`/api/workflows/${id}/versions?limit=2`);
    expect(first.body.items.map((v: VersionListItem) => v.version)).toEqual([5, 4]);
    expect(first.body.nextCursor).toBe('4');
    const second = await sy.api(`/api/workflows/${id}/versions?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((v: VersionListItem) => [v.version, v.summary])).toEqual([
      [3, '1 node changed'],
      [2, '1 node added'],
    ]);
  });

  it('diffs two versions: added, removed, moved, config changes by path (nested to the leaf), edges, name', async () => {
    const id = await fiveVersions();
    const added = (await sy.api(`/api/workflows/${id}/versions/1/diff/2`)).body;
    expect(added).toMatchObject({ workflowId: id, from: 1, to: 2, removed: [], moved: [], changed: [], name: null });
    expect(added.added).toEqual([{ nodeId: 'more', type: 'data.transform' }]);

    const changed = await sy.api(`/api/workflows/${id}/versions/2/diff/3`);
    expect(changed.status).toBe(200);
    expect(changed.body.changed).toEqual([
      {
        nodeId: 'call',
        type: 'action.http',
        fields: [
          { path: 'config.body.user.email', before: 'a@example.com', after: 'b@example.com' },
          { path: 'config.url', before: 'http://127.0.0.1:9/x', after: 'http://127.0.0.1:9/y' },
        ],
      },
    ]);
    expect(changed.body.added).toEqual([]);

    const removed = (await sy.api(`/api/workflows/${id}/versions/3/diff/4`)).body;
    expect(removed.removed).toEqual([{ nodeId: 'more', type: 'data.transform' }]);

    const moved = (await sy.api(`/api/workflows/${id}/versions/4/diff/5`)).body;
    expect(moved.moved).toEqual([{ nodeId: 'call', type: 'action.http', from: { x: 300, y: 0 }, to: { x: 320, y: 80 } }]);
    expect(moved.changed).toEqual([]);

    // Backwards is the mirror; a webhook's token never shows, even where it differs.
    const back = (await sy.api(`/api/workflows/${id}/versions/5/diff/2`)).body;
    expect(back.added).toEqual([{ nodeId: 'more', type: 'data.transform' }]);
    expect(back.moved).toEqual([{ nodeId: 'call', type: 'action.http', from: { x: 320, y: 80 }, to: { x: 300, y: 0 } }]);
    expect(JSON.stringify(back)).not.toContain('token');

    const wf = (await sy.api(`/api/workflows/${id}`)).body;
    const renamed = await sy.api(`/api/workflows/${id}`, { method: 'PUT', body: { name: 'renamed', nodes: wf.nodes, edges: [] } });
    const d = (await sy.api(`/api/workflows/${id}/versions/5/diff/${renamed.body.version}`)).body;
    expect(d.name).toEqual({ before: 'history', after: 'renamed' });
    expect(d.edges).toEqual({ added: [], removed: [{ id: 'e', source: 'hook', target: 'call' }] });
  });

  it('restores an old version as a new one, leaving every older version as it was', async () => {
    const id = await fiveVersions();
    const before = await Promise.all([1, 2, 3, 4, 5].map(async (v) => (await sy.api(`/api/workflows/${id}/versions/${v}`)).body));
    const hookUrl = (await sy.api(`/api/workflows/${id}`)).body.triggers[0].url;

    const r = await sy.api(`/api/workflows/${id}/versions/2/restore`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(Workflow.safeParse(r.body).success).toBe(true);
    expect(r.body.version).toBe(6);
    expect(ids(r.body.nodes)).toEqual(['hook', 'call', 'more']);
    expect(r.body.nodes[1].config.url).toBe('http://127.0.0.1:9/x');
    // The webhook keeps its token, so its URL still works after the restore.
    expect(r.body.triggers[0].url).toBe(hookUrl);

    const after = await Promise.all([1, 2, 3, 4, 5].map(async (v) => (await sy.api(`/api/workflows/${id}/versions/${v}`)).body));
    expect(after).toEqual(before);
    const v6 = (await sy.api(`/api/workflows/${id}/versions/6`)).body;
    expect(v6).toMatchObject({ version: 6, restoredFrom: 2, savedBy: 'owner@example.com' });
    expect({ nodes: v6.nodes, edges: v6.edges }).toEqual({ nodes: before[1].nodes, edges: before[1].edges });
    const list = (await sy.api(`/api/workflows/${id}/versions`)).body.items as VersionListItem[];
    expect(list.map((v) => v.version)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(list[0]).toMatchObject({ restoredFrom: 2, isCurrent: true, summary: 'restored from v2: 1 node added, 1 node changed' });
    expect((await sy.api(`/api/workflows/${id}/versions/2/diff/6`)).body).toMatchObject({ added: [], removed: [], moved: [], changed: [] });
  });

  it('restores like a save on an active workflow: the restored version must be valid, then it runs', async () => {
    const manual = { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} };
    const shape = { id: 'shape', type: 'data.transform', position: { x: 300, y: 0 }, config: { expression: '"v1"' } };
    const edges = [{ id: 'e', source: 'start', target: 'shape' }];
    const wf = (await sy.api('/api/workflows', { body: { name: 'active restore', nodes: [manual, shape], edges } })).body;
    // v2 is a draft with a fault (a dangling edge), saved while inactive.
    await sy.api(`/api/workflows/${wf.id}`, { method: 'PUT', body: { name: 'active restore', nodes: [manual], edges } });
    await sy.api(`/api/workflows/${wf.id}`, { method: 'PUT', body: { name: 'active restore', nodes: [manual, { ...shape, config: { expression: '"v3"' } }], edges } });
    expect((await sy.api(`/api/workflows/${wf.id}/activate`, { method: 'POST' })).status).toBe(200);

    const refused = await sy.api(`/api/workflows/${wf.id}/versions/2/restore`, { method: 'POST' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('VALIDATION_FAILED');
    expect((await sy.api(`/api/workflows/${wf.id}`)).body).toMatchObject({ version: 3, active: true });
    expect((await sy.api(`/api/workflows/${wf.id}/versions/4`)).status).toBe(404);

    const restored = await sy.api(`/api/workflows/${wf.id}/versions/1/restore`, { method: 'POST' });
    expect(restored.body).toMatchObject({ version: 4, active: true });
    const run = (await sy.api(`/api/workflows/${wf.id}/run`, { body: {} })).body;
    const done = await until(async () => {
      const e = (await sy.api(`/api/executions/${run.executionId}`)).body;
      return e.status === 'success' && e;
    });
    expect(done.workflowVersion).toBe(4);
    expect(done.steps.find((s: { nodeId: string }) => s.nodeId === 'shape').output).toBe('v1');
  });

  it('refuses unknown versions with 404 and malformed ones with 400, naming the path', async () => {
    const id = await fiveVersions();
    const cases: [string, string, number, string][] = [
      ['GET', `/api/workflows/${id}/versions/1/diff/9`, 404, 'b'],
      ['GET', `/api/workflows/${id}/versions/9/diff/1`, 404, 'a'],
      ['POST', `/api/workflows/${id}/versions/9/restore`, 404, 'version'],
      ['GET', `/api/workflows/${id}/versions/x/diff/1`, 400, 'a'],
      ['GET', `/api/workflows/${id}/versions/1/diff/0`, 400, 'b'],
      ['POST', `/api/workflows/${id}/versions/1.5/restore`, 400, 'version'],
      ['GET', `/api/workflows/${id}/versions?cursor=abc`, 400, 'cursor'],
      ['GET', `/api/workflows/${id}/versions?limit=0`, 400, 'limit'],
    ];
    for (const [method, path, status, at] of cases) {
      const r = await sy.api(path, { method });
      expect(r.status, path).toBe(status);
      expect(r.body.error.code, path).toBe(status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED');
      expect(r.body.error.details[0].path, path).toBe(at);
    }
    for (const path of ['/api/workflows/wf_nope/versions', '/api/workflows/wf_nope/versions/1/diff/2']) {
      const r = await sy.api(path);
      expect(r.status, path).toBe(404);
      expect(r.body.error.code).toBe('NOT_FOUND');
    }
    expect((await sy.api('/api/workflows/wf_nope/versions/1/restore', { method: 'POST' })).status).toBe(404);
    // A refused restore saved nothing.
    expect((await sy.api(`/api/workflows/${id}`)).body.version).toBe(5);
  });
});

describe('WORKFLOW_VERSIONS_MAX', () => {
  let capped: Booted;
  beforeAll(async () => {
    capped = await boot({ env: { WORKFLOW_VERSIONS_MAX: '3' } });
  });
  afterAll(() => capped?.close());

  it('keeps the newest versions and any an execution still references, deleting the rest', async () => {
    const manual = { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} };
    const step = (n: number) => ({ id: 'shape', type: 'data.transform', position: { x: 300, y: 0 }, config: { expression: `${n}` } });
    const edges = [{ id: 'e', source: 'start', target: 'shape' }];
    const wf = (await capped.api('/api/workflows', { body: { name: 'capped', nodes: [manual, step(1)], edges } })).body;
    // An execution of v1 pins it.
    const run = (await capped.api(`/api/workflows/${wf.id}/run`, { body: {} })).body;
    await until(async () => (await capped.api(`/api/executions/${run.executionId}`)).body.status === 'success');
    for (let n = 2; n <= 6; n++) await capped.api(`/api/workflows/${wf.id}`, { method: 'PUT', body: { name: 'capped', nodes: [manual, step(n)], edges } });

    const list = (await capped.api(`/api/workflows/${wf.id}/versions`)).body.items as VersionListItem[];
    expect(list.map((v) => v.version)).toEqual([6, 5, 4, 1]);
    // The oldest kept after the gap is summarised against the pinned one.
    expect(list[2]).toMatchObject({ version: 4, previous: 1, summary: '1 node changed' });
    for (const gone of [2, 3]) expect((await capped.api(`/api/workflows/${wf.id}/versions/${gone}`)).status).toBe(404);
    const pinned = await capped.api(`/api/workflows/${wf.id}/versions/1`);
    expect(pinned.body.nodes[1].config.expression).toBe('1');
    // The execution still shows, and retries, the graph it ran.
    const retry = await capped.api(`/api/executions/${run.executionId}/retry`, { body: {} });
    expect(retry.status).toBe(202);
    const again = await until(async () => {
      const e = (await capped.api(`/api/executions/${retry.body.executionId}`)).body;
      return e.status === 'success' && e;
    });
    expect(again.workflowVersion).toBe(1);
    expect(again.steps.find((s: { nodeId: string }) => s.nodeId === 'shape').output).toBe(1);
  });

  it('never deletes the current version, the one an active workflow runs', async () => {
    const manual = { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} };
    const wf = (await capped.api('/api/workflows', { body: { name: 'one', nodes: [manual] } })).body;
    await capped.api(`/api/workflows/${wf.id}/activate`, { method: 'POST' });
    for (let n = 0; n < 4; n++) await capped.api(`/api/workflows/${wf.id}`, { method: 'PUT', body: { name: `one ${n}`, nodes: [manual] } });
    const list = (await capped.api(`/api/workflows/${wf.id}/versions`)).body.items as VersionListItem[];
    expect(list.map((v) => [v.version, v.isCurrent])).toEqual([
      [5, true],
      [4, false],
      [3, false],
    ]);
    expect((await capped.api(`/api/workflows/${wf.id}`)).body).toMatchObject({ version: 5, active: true });
  });
});
