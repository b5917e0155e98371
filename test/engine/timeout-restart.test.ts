/**
 * settings.timeoutSeconds across a restart: the running time used before the run parked is stored
 * with the park and counted after the restart (neither reset to zero nor charged for the downtime).
 * Timeout 3 s; two steps of 2 s each around a delay: each fits a fresh budget, together they do
 * not, so the second is cut off only if the first one's time survived. SQLite and PostgreSQL.
 */
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boot, discardData, openStoreAt, until, type Booted } from '../helpers/boot.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-timeout-restart-'));
let sy: Booted | undefined;
/** Answers every request 2 s late, noting the ones whose caller gave up first. */
const arrived: string[] = [];
const cutOff: string[] = [];
const remote = createServer((req, res) => {
  arrived.push(req.url!);
  const t = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 2_000);
  res.on('close', () => {
    if (!res.writableEnded) cutOff.push(req.url!);
    clearTimeout(t);
  });
});
await new Promise<void>((r) => remote.listen(0, '127.0.0.1', r));
const remoteUrl = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;

afterAll(async () => {
  await sy?.close();
  remote.closeAllConnections();
  await new Promise((r) => remote.close(r));
  await discardData(dataDir);
});

const http = (id: string) => ({ id, type: 'action.http', config: { method: 'POST', url: `${remoteUrl}/${id}`, timeoutMs: 60_000 } });

describe('the timeout budget across a restart', () => {
  it('keeps the running time used before the park', async () => {
    const env = { OUTBOUND_BLOCK_PRIVATE: 'false' };
    sy = await boot({ dataDir, env });
    const nodes = [{ id: 'go', type: 'trigger.manual', config: {} }, http('first'), { id: 'pause', type: 'flow.delay', config: { seconds: 1 } }, http('second'), http('third')];
    const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id }));
    const wf = await sy.api('/api/workflows', { body: { name: 'slow steps', nodes, edges, settings: { timeoutSeconds: 3 } } });
    const id = (await sy.api(`/api/workflows/${wf.body.id}/run`, { body: { payload: {} } })).body.executionId as string;
    await until(async () => (await sy!.api(`/api/executions/${id}`)).body.steps.some((s: { nodeId: string; status: string }) => s.nodeId === 'pause' && s.status === 'waiting'), 15_000);
    // The park (which stores the time used) is written after the waiting step: wait for it too.
    await until(async () => (await sy!.app.store.executions.getExecution(id))?.wake_at != null, 5_000);
    await sy.close({ keepData: true });
    sy = undefined;

    // While the server is down: what the first step used is stored.
    const store = await openStoreAt(dataDir);
    const row = await store.executions.getExecution(id);
    await store.close();
    expect(row?.status).toBe('running');
    expect(row?.active_ms).toBeGreaterThanOrEqual(2_000);

    sy = await boot({ dataDir, env });
    const done = await until(async () => {
      const r = (await sy!.api(`/api/executions/${id}`)).body;
      return r.status === 'success' || r.status === 'error' ? r : undefined;
    }, 20_000, 50);
    expect(done.status).toBe('error');
    expect(done.error).toMatchObject({ code: 'EXECUTION_TIMEOUT', nodeId: 'second' });
    expect(done.steps.find((s: { nodeId: string }) => s.nodeId === 'first').status).toBe('success');
    await until(() => cutOff.includes('/second'), 10_000);
    expect(arrived).toEqual(['/first', '/second']);
  }, 60_000);
});
