/** Workflow CRUD, validation refusals with paths, pagination, export/import with fresh tokens, manual runs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';

let sy: Booted;
beforeAll(async () => {
  sy = await boot();
});
afterAll(() => sy?.close());

const simple = (name: string) => ({
  name,
  nodes: [
    { id: 'hook', type: 'trigger.webhook', config: {} },
    { id: 'x', type: 'data.transform', config: { expression: '{"got": input.body}' } },
  ],
  edges: [{ id: 'e', source: 'hook', target: 'x' }],
});

describe('workflows API', () => {
  it('saves a faulty draft but refuses to activate it, with the path of each fault', async () => {
    const draft = await sy.api('/api/workflows', {
      body: {
        name: 'broken',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', config: {} },
          { id: 'call', type: 'action.http', config: { url: 'not a url' } },
          { id: 'y', type: 'nope.nope', config: {} },
        ],
        edges: [{ id: 'e', source: 'hook', target: 'call' }, { id: 'f', source: 'call', target: 'ghost' }],
      },
    });
    expect(draft.status).toBe(201);
    const act = await sy.api(`/api/workflows/${draft.body.id}/activate`, { method: 'POST' });
    expect(act.status).toBe(400);
    expect(act.body.error.code).toBe('VALIDATION_FAILED');
    const paths = act.body.error.details.map((d: any) => d.path).sort();
    expect(paths).toEqual(['edges.1.target', 'nodes.1.config.url', 'nodes.2', 'nodes.2.type']);
  });

  it('refuses to activate loops whose body is entered or left other than through each and done, or nested 4 deep, with paths', async () => {
    const loop = (id: string) => ({ id, type: 'flow.forEach', config: { items: 'input.body.lines' } });
    const t = (id: string) => ({ id, type: 'data.transform', config: { expression: 'item' } });
    const draft = await sy.api('/api/workflows', {
      body: {
        name: 'loops',
        nodes: [{ id: 'hook', type: 'trigger.webhook', config: {} }, loop('l1'), t('a'), t('merge'), loop('l2'), loop('l3'), loop('l4'), t('deep')],
        edges: [
          { id: 'e0', source: 'hook', target: 'l1' },
          { id: 'e1', source: 'l1', target: 'a', sourceHandle: 'each' },
          { id: 'e2', source: 'a', target: 'merge' },
          // done leads into a node the body reaches too: it would run once per item and once after.
          { id: 'e3', source: 'l1', target: 'merge', sourceHandle: 'done' },
          { id: 'e4', source: 'a', target: 'l2' },
          { id: 'e5', source: 'l2', target: 'l3', sourceHandle: 'each' },
          { id: 'e6', source: 'l3', target: 'l4', sourceHandle: 'each' },
          { id: 'e7', source: 'l4', target: 'deep', sourceHandle: 'each' },
        ],
      },
    });
    expect(draft.status).toBe(201);
    const act = await sy.api(`/api/workflows/${draft.body.id}/activate`, { method: 'POST' });
    expect(act.status).toBe(400);
    expect(act.body.error.details.map((d: any) => d.path).sort()).toEqual(['edges.3', 'nodes.6']);
    expect(act.body.error.details.find((d: any) => d.path === 'edges.3').message).toContain('a loop body is left only through "done"');
  });

  it('refuses a malformed document with paths (400, not 500)', async () => {
    const r = await sy.api('/api/workflows', { body: { name: '', nodes: [{ id: '1 bad', type: 3 }] } });
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: any) => d.path)).toEqual(expect.arrayContaining(['name', 'nodes.0.id', 'nodes.0.type']));
    const notJson = await fetch(`${sy.base}/api/workflows`, { method: 'POST', headers: { authorization: `Bearer ${sy.apiKey}`, 'content-type': 'application/json' }, body: '{nope' });
    expect(notJson.status).toBe(400);
  });

  it('bumps the version on save and keeps webhook tokens stable', async () => {
    const wf = (await sy.api('/api/workflows', { body: simple('v') })).body;
    expect(wf.version).toBe(1);
    const token = wf.nodes[0].config.token;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const saved = await sy.api(`/api/workflows/${wf.id}`, { method: 'PUT', body: { ...simple('v2'), nodes: wf.nodes } });
    expect(saved.body.version).toBe(2);
    expect(saved.body.nodes[0].config.token).toBe(token);
    // A client cannot pick a token: one it does not own is replaced.
    const forged = await sy.api(`/api/workflows/${wf.id}`, { method: 'PUT', body: { ...simple('v3'), nodes: [{ ...wf.nodes[0], config: { token: 'my-own-token-aaaaaaaaaaaa' } }, wf.nodes[1]] } });
    expect(forged.body.nodes[0].config.token).not.toBe('my-own-token-aaaaaaaaaaaa');
  });

  it('paginates with cursors', async () => {
    for (let i = 0; i < 7; i++) await sy.api('/api/workflows', { body: simple(`page-${i}`) });
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: any = await sy.api(`/api/workflows?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(3);
      for (const w of r.body.items) {
        expect(seen.has(w.id)).toBe(false);
        seen.add(w.id);
      }
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    const all = await sy.api('/api/workflows?limit=200');
    expect(seen.size).toBe(all.body.items.length);
    expect((await sy.api('/api/workflows?limit=0')).status).toBe(400);
  });

  it('searches names as literal, case-insensitive text: % and _ match only themselves', async () => {
    for (const name of ['Discount 50% off', 'Discount 50x off', 'snake_case sync', 'snakeXcase sync']) await sy.api('/api/workflows', { body: simple(name) });
    const names = async (q: string) => ((await sy.api(`/api/workflows?limit=200&q=${encodeURIComponent(q)}`)).body.items as { name: string }[]).map((w) => w.name).sort();
    expect(await names('50%')).toEqual(['Discount 50% off']);
    expect(await names('e_c')).toEqual(['snake_case sync']);
    expect(await names('DISCOUNT')).toEqual(['Discount 50% off', 'Discount 50x off']);
    expect(await names('\\')).toEqual([]);
  });

  it('exports without tokens and imports with fresh ones, inactive', async () => {
    const wf = (await sy.api('/api/workflows', { body: simple('exported') })).body;
    await sy.api(`/api/workflows/${wf.id}/activate`, { method: 'POST' });
    const exp = await sy.api(`/api/workflows/${wf.id}/export`);
    expect(exp.status).toBe(200);
    expect(JSON.stringify(exp.body)).not.toContain(wf.nodes[0].config.token);
    const imp = await sy.api('/api/workflows/import', { body: exp.body });
    expect(imp.status).toBe(201);
    expect(imp.body.id).not.toBe(wf.id);
    expect(imp.body.active).toBe(false);
    expect(imp.body.nodes[0].config.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(imp.body.nodes[0].config.token).not.toBe(wf.nodes[0].config.token);
    // A name that is taken gets "(copy)", then a number: imports and duplicates alike.
    expect(imp.body.name).toBe('exported (copy)');
    expect((await sy.api('/api/workflows/import', { body: exp.body })).body.name).toBe('exported (copy 2)');
    const dup = await sy.api(`/api/workflows/${wf.id}/duplicate`, { method: 'POST' });
    expect(dup.body.name).toBe('exported (copy 3)');
    expect(dup.body.nodes[0].config.token).not.toBe(wf.nodes[0].config.token);
  });

  it('runs manually, lists executions by workflow, retries one, and deletes', async () => {
    const wf = (await sy.api('/api/workflows', { body: { ...simple('manual'), nodes: [{ id: 'go', type: 'trigger.manual', config: {} }, { id: 'x', type: 'data.transform', config: { expression: '{"greeting": input.hello}' } }], edges: [{ id: 'e', source: 'go', target: 'x' }] } })).body;
    const run = await sy.api(`/api/workflows/${wf.id}/run`, { body: { payload: { hello: 'world' } } });
    expect(run.status).toBe(202);
    const exec = await until(async () => {
      const r = await sy.api(`/api/executions/${run.body.executionId}`);
      return r.body.status === 'success' ? r.body : undefined;
    });
    expect(exec.mode).toBe('manual');
    expect(exec.steps[1].output).toEqual({ greeting: 'world' });
    const retry = await sy.api(`/api/executions/${exec.id}/retry`, { method: 'POST' });
    expect(retry.status).toBe(202);
    const list = await until(async () => {
      const r = await sy.api(`/api/executions?workflowId=${wf.id}`);
      return r.body.items.length === 2 ? r.body : undefined;
    });
    expect(list.items[0].retryOf).toBe(exec.id);
    // The workflow list shows each workflow's latest execution.
    const listed = await sy.api('/api/workflows?limit=200');
    expect(listed.body.items.find((w: any) => w.id === wf.id).lastExecution.id).toBe(list.items[0].id);
    expect(listed.body.items.filter((w: any) => w.lastExecution).length).toBeGreaterThanOrEqual(1);
    expect((await sy.api(`/api/executions?status=bogus`)).status).toBe(400);
    expect((await sy.api(`/api/workflows/${wf.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await sy.api(`/api/workflows/${wf.id}`)).status).toBe(404);
    expect((await sy.api(`/api/executions/${exec.id}`)).status).toBe(404);
  });
});
