/**
 * kill -9 with executions in flight: after a restart every acknowledged webhook's execution
 * finishes, and no step that was recorded as finished runs again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discardData, openStoreAt, until } from '../helpers/boot.ts';
import { ownerKey, startServerProcess, type ServerProcess } from '../helpers/process.ts';
import { startSink } from '../helpers/sink.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-crash-'));
let proc: ServerProcess | undefined;
const sink = await startSink(async () => {
  await new Promise((r) => setTimeout(r, 150));
  return { status: 200, body: { ok: true } };
});

afterAll(async () => {
  proc?.child.kill('SIGKILL');
  await sink.close();
  await proc?.exited;
  await discardData(dataDir); // and on PostgreSQL the database the server ran on
});

describe('crash resume', () => {
  it('finishes every acknowledged execution after SIGKILL without re-running finished steps', async () => {
    // A short lease (PostgreSQL mode): the restarted process is a new worker, which takes over the
    // killed one's executions once their leases expire. SQLite has no leases and ignores it.
    const env = { DATA_DIR: dataDir, EXECUTION_CONCURRENCY: '4', EXECUTION_LEASE_SECONDS: '2' };
    proc = await startServerProcess(env);
    const key = await ownerKey(proc.base);
    const api = (path: string, body?: unknown) =>
      fetch(proc!.base + path, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.json() as Promise<any>);

    const wf = await api('/api/workflows', {
      name: 'crashy',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'first', type: 'action.http', config: { method: 'POST', url: `${sink.url}/first`, body: { n: '{{ trigger.body.n }}' } } },
        { id: 'second', type: 'action.http', config: { method: 'POST', url: `${sink.url}/second`, body: { n: '{{ trigger.body.n }}' } } },
      ],
      edges: [
        { id: 'a', source: 'hook', target: 'first' },
        { id: 'b', source: 'first', target: 'second' },
      ],
    });
    const act = await api(`/api/workflows/${wf.id}/activate`, {});
    const hookUrl = act.triggers[0].url.replace(/^http:\/\/[^/]+/, proc.base);

    const accepted: string[] = [];
    for (let n = 0; n < 40; n++) {
      const r = await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
      expect(r.status).toBe(202);
      accepted.push(((await r.json()) as any).executionId);
    }
    // Let some work finish, then pull the plug mid-flight.
    await until(() => sink.requests.length >= 10, 10_000);
    proc.child.kill('SIGKILL');
    await proc.exited;

    // What the database holds after the crash (SQLite: the file recovered from its WAL), read
    // through the store as the next start would.
    const store = await openStoreAt(dataDir);
    const finishedBefore = (
      await store.kysely.selectFrom('steps').select(['execution_id', 'node_id']).where('status', '=', 'success').where('node_id', '!=', 'hook').execute()
    ).map((r) => `${r.execution_id}.${r.node_id}`);
    const unfinished = Number(
      (await store.kysely.selectFrom('executions').select((eb) => eb.fn.countAll().as('n')).where('status', 'in', ['queued', 'running']).executeTakeFirstOrThrow()).n,
    );
    await store.close();
    expect(unfinished).toBeGreaterThan(0); // the crash really happened mid-run

    proc = await startServerProcess(env);
    const key2 = key;
    const statuses = await until(
      async () => {
        const all = await Promise.all(
          accepted.map((id) => fetch(`${proc!.base}/api/executions/${id}`, { headers: { authorization: `Bearer ${key2}` } }).then((r) => r.json() as Promise<any>)),
        );
        return all.every((e) => e.status === 'success') ? all : undefined;
      },
      30_000,
      200,
    );
    expect(statuses).toHaveLength(40);

    const hits = new Map<string, number>();
    for (const r of sink.requests) {
      const k = r.headers['idempotency-key'] as string;
      hits.set(k, (hits.get(k) ?? 0) + 1);
    }
    // Every step recorded as finished before the crash was called exactly once.
    for (const k of finishedBefore) expect(hits.get(k), k).toBe(1);
    // And every execution's both steps reached the sink at least once.
    for (const id of accepted) {
      expect(hits.get(`${id}.first`)).toBeGreaterThanOrEqual(1);
      expect(hits.get(`${id}.second`)).toBeGreaterThanOrEqual(1);
    }
    console.log(`crash-resume: accepted ${accepted.length}, finished steps before kill ${finishedBefore.length}, unfinished executions at kill ${unfinished}, all finished after restart`);
  }, 90_000);
});
