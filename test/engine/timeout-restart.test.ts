/**
 * settings.timeoutSeconds across a restart: the running time used before the run parked is stored
 * with the park, and the time used by a step in flight at a kill -9 with the checkpoints, and both
 * are counted after the restart (neither reset to zero nor charged for the downtime). Each case is
 * built so the work after the restart fits a fresh budget and does not fit what is left: the run
 * times out only if the time used before survived. SQLite and PostgreSQL.
 */
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boot, discardData, openStoreAt, secondConnection, until, type Booted } from '../helpers/boot.ts';
import { ownerKey, processApi, startServerProcess, type ServerProcess } from '../helpers/process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-timeout-restart-'));
let sy: Booted | undefined;
let proc: ServerProcess | undefined;
const killedDir = mkdtempSync(join(tmpdir(), 'switchyard-timeout-kill-'));
/**
 * Answers 2 s late, noting the requests whose caller gave up first. /crash never answers the first
 * time (the server is killed meanwhile) and answers 3 s late after that.
 */
const arrived: string[] = [];
const cutOff: string[] = [];
const remote = createServer((req, res) => {
  arrived.push(req.url!);
  const crashes = arrived.filter((u) => u === '/crash').length;
  const lateMs = req.url === '/crash' ? (crashes === 1 ? 600_000 : 3_000) : 2_000;
  const t = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), lateMs);
  res.on('close', () => {
    if (!res.writableEnded) cutOff.push(req.url!);
    clearTimeout(t);
  });
});
await new Promise<void>((r) => remote.listen(0, '127.0.0.1', r));
const remoteUrl = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;

afterAll(async () => {
  await sy?.close();
  proc?.child.kill('SIGKILL');
  await proc?.exited;
  await discardData(killedDir);
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

  it('keeps the running time checkpointed before a kill -9 mid-step', async () => {
    // Timeout 4 s, checkpointed every second. The step is in flight when the server is killed,
    // once 2 s of it are stored; run again after the restart it takes 3 s: 3 < 4, but 2 + 3 > 4.
    const env = { DATA_DIR: killedDir, EXECUTION_LEASE_SECONDS: '2' };
    proc = await startServerProcess(env);
    const api = processApi(() => proc!, await ownerKey(proc.base));
    const nodes = [{ id: 'go', type: 'trigger.manual', config: {} }, { id: 'crash', type: 'action.http', config: { method: 'POST', url: `${remoteUrl}/crash`, timeoutMs: 60_000 } }];
    const wf = await api('/api/workflows', { name: 'killed mid-step', nodes, edges: [{ id: 'e', source: 'go', target: 'crash' }], settings: { timeoutSeconds: 4 } });
    const { executionId } = await api(`/api/workflows/${wf.id}/run`, { payload: {} });
    const db = await secondConnection({ dataDir: killedDir } as Booted);
    try {
      await until(async () => {
        const row = await db.selectFrom('executions').select('active_ms').where('id', '=', executionId).executeTakeFirst();
        return Number(row?.active_ms ?? 0) >= 2_000;
      }, 20_000, 50);
    } finally {
      await db.destroy();
    }
    proc.child.kill('SIGKILL');
    await proc.exited;

    proc = await startServerProcess(env);
    const done = await until(async () => {
      const e = await api(`/api/executions/${executionId}`);
      return e.status === 'success' || e.status === 'error' ? e : undefined;
    }, 30_000, 100);
    expect(done.status).toBe('error');
    expect(done.error).toMatchObject({ code: 'EXECUTION_TIMEOUT', nodeId: 'crash' });
    expect(arrived.filter((u) => u === '/crash')).toHaveLength(2);
  }, 90_000);
});
