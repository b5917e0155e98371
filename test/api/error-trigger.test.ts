/**
 * trigger.error: a workflow that starts when another fails. It gets the failure's workflow,
 * execution (with a link), failed node and error; one watching "all" fires too; a failure of an
 * error workflow starts nothing (no loops); a failure queued before a restart is still dispatched.
 * SQLite, and PostgreSQL in the postgres project.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, openStoreAt, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';

let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-error-trigger-'));
beforeAll(async () => {
  sink = await startSink((req) => (req.url.startsWith('/down') ? { status: 500, body: { down: true } } : { status: 200, body: {} }));
  sy = await boot({ dataDir, env: { OUTBOUND_BLOCK_PRIVATE: 'false' } });
});
afterAll(async () => {
  await sy?.close();
  await sink?.close();
});

const create = async (name: string, nodes: { id: string; type: string; config: unknown }[], activate = true) => {
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id }));
  const wf = (await sy.api('/api/workflows', { body: { name, nodes, edges } })).body;
  if (activate) expect((await sy.api(`/api/workflows/${wf.id}/activate`, { method: 'POST' })).status).toBe(200);
  return wf.id as string;
};
const post = (id: string, path: string, body: unknown = '{{ trigger }}') => ({ id, type: 'action.http', config: { method: 'POST', url: `${sink.url}${path}`, body } });
const runsOf = async (workflowId: string) => (await sy.api(`/api/executions?workflowId=${workflowId}`)).body.items as { id: string; mode: string; status: string }[];

describe('error workflows', () => {
  it('start on another workflow’s failure with what failed, watching it or all; their own failures start nothing', async () => {
    const orders = await create('Orders', [{ id: 'start', type: 'trigger.manual', config: {} }, post('charge', '/down/charge')]);
    const quiet = await create('Quiet', [{ id: 'start', type: 'trigger.manual', config: {} }, post('ok', '/fine')]);
    const watchOrders = await create('Page on Orders', [{ id: 'failed', type: 'trigger.error', config: { workflows: [orders] } }, post('page', '/page')]);
    // Watches everything, and itself fails: its failure must start neither itself nor the other.
    const watchAll = await create('Log all (broken)', [{ id: 'failed', type: 'trigger.error', config: {} }, post('log', '/down/log')]);

    const failedRun = (await sy.api(`/api/workflows/${orders}/run`, { body: { payload: { order: 1 } } })).body.executionId as string;
    const page = await until(() => sink.requests.find((r) => r.url === '/page'), 15_000);
    expect(page.json).toEqual({
      workflow: { id: orders, name: 'Orders' },
      execution: { id: failedRun, url: expect.stringMatching(new RegExp(`/#/executions/${failedRun}$`)), mode: 'manual', startedAt: expect.any(String) },
      failedNode: { id: 'charge', type: 'action.http' },
      error: { code: 'HTTP_STATUS', message: expect.any(String) },
    });
    await until(async () => (await runsOf(watchAll)).length >= 1 && (await runsOf(watchAll)).every((r) => r.status === 'error'), 15_000);
    // A success starts nothing.
    await sy.api(`/api/workflows/${quiet}/run`, { body: { payload: {} } });
    await new Promise((r) => setTimeout(r, 3_000)); // two dispatch intervals
    expect((await runsOf(watchOrders)).map((r) => r.mode)).toEqual(['error']);
    expect((await runsOf(watchAll)).map((r) => r.mode)).toEqual(['error']);
    expect(sink.requests.filter((r) => r.url === '/page')).toHaveLength(1);
  });

  it('dispatches a failure queued before a restart', async () => {
    const flaky = await create('Flaky', [{ id: 'start', type: 'trigger.manual', config: {} }, post('call', '/down/flaky')]);
    const watcher = await create('Watch flaky', [{ id: 'failed', type: 'trigger.error', config: { workflows: [flaky] } }, post('note', '/noted')]);
    const run = (await sy.api(`/api/workflows/${flaky}/run`, { body: { payload: {} } })).body.executionId as string;
    await until(async () => (await sy.api(`/api/executions/${run}`)).body.status === 'error', 15_000);
    await until(async () => (await runsOf(watcher)).length === 1, 15_000);
    // As if the process had died before dispatching: the error run and its start key gone, the
    // failure still queued. The restarted server dispatches it.
    await sy.close({ keepData: true });
    let store = await openStoreAt(dataDir);
    await store.kysely.deleteFrom('executions').where('workflow_id', '=', watcher).execute();
    await store.kysely.deleteFrom('idempotency_keys').where('token', '=', `error:${watcher}`).execute();
    await store.kysely.insertInto('failures').values({ execution_id: run, created_at: Date.now() }).execute();
    await store.close();
    sy = await boot({ dataDir, env: { OUTBOUND_BLOCK_PRIVATE: 'false' } });
    await until(async () => (await runsOf(watcher)).length === 1, 15_000);
    // Queued once more (a second process draining the same row): the start is idempotent, still one run.
    await sy.close({ keepData: true });
    store = await openStoreAt(dataDir);
    await store.kysely.insertInto('failures').values({ execution_id: run, created_at: Date.now() }).execute();
    await store.close();
    sy = await boot({ dataDir, env: { OUTBOUND_BLOCK_PRIVATE: 'false' } });
    await new Promise((r) => setTimeout(r, 2_500)); // the boot drain and one interval
    expect(await runsOf(watcher)).toHaveLength(1);
  });
});
