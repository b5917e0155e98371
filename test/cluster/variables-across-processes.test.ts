/**
 * Workspace variables with several processes on one PostgreSQL database (issue 14): a variable
 * created or changed through a `web` process reaches the expressions of executions another process
 * runs, through the NOTIFY announcement (cluster.ts `v:<name>`), not a database read per step.
 * Two servers in this test process (lighter than child processes); each caches its own map.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { boot, until, TEST_ENCRYPTION_KEY, type Booted } from '../helpers/boot.ts';
import { describePg, freshDatabase, type FreshDatabase } from '../helpers/postgres.ts';
import { startSink } from '../helpers/sink.ts';

let web: Booted;
let worker: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
let db: FreshDatabase | undefined;

describePg('variables across processes', () => {
  beforeAll(async () => {
    sink = await startSink(() => ({ status: 200, body: { ok: true } }));
    db = await freshDatabase({ migrated: true, label: 'vars' });
    const env = { DATABASE_URL: db.url, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
    // The web process never runs executions: whatever the sink sees was resolved by the other one.
    web = await boot({ env: { ...env, SWITCHYARD_ROLE: 'web' } });
    worker = await boot({ env });
  });
  afterAll(async () => {
    await web?.close();
    await worker?.close();
    await sink?.close();
    await db?.drop();
  });

  it('a value set or changed on the web process is used by executions the other process runs', async () => {
    expect((await web.api('/api/variables', { body: { name: 'TARGET', value: `${sink.url}/one` } })).status).toBe(201);
    const wf = await web.api('/api/workflows', {
      body: {
        name: 'vars across',
        nodes: [
          { id: 'start', type: 'trigger.manual', config: {} },
          { id: 'call', type: 'action.http', config: { url: '{{ vars.TARGET }}' } },
        ],
        edges: [{ id: 'e', source: 'start', target: 'call' }],
      },
    });
    const runOnce = async () => {
      const run = await web.api(`/api/workflows/${wf.body.id}/run`, { body: { payload: {} } });
      return until(async () => {
        const r = await web.api(`/api/executions/${run.body.executionId}`);
        return r.body.status === 'success' || r.body.status === 'error' ? r.body : undefined;
      });
    };
    // Both booted before TARGET existed: the other process learns of it by the announcement.
    await until(async () => (await runOnce()).status === 'success' && sink.requests.at(-1)?.url === '/one');

    expect((await web.api('/api/variables/TARGET', { method: 'PUT', body: { value: `${sink.url}/two` } })).status).toBe(200);
    // NOTIFY is delivered soon, not within the same instant as the run's own wake-up: runs until one sees it.
    await until(async () => (await runOnce()).status === 'success' && sink.requests.at(-1)?.url === '/two');
    // Once seen, every later run keeps the new value (the announcement replaced the map for good).
    expect((await runOnce()).status).toBe('success');
    expect(sink.requests.at(-1)!.url).toBe('/two');
  });
});
