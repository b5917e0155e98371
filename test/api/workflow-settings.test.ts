/**
 * Workflow settings (alerts, concurrency, timeout) travel with the document: saved with each
 * version, kept by a save that leaves them out, checked field by field, shown in a version's diff,
 * exported, imported, duplicated and restored. SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, type Booted } from '../helpers/boot.ts';

let sy: Booted;
beforeAll(async () => {
  sy = await boot();
});
afterAll(() => sy?.close());

const nodes = [{ id: 'start', type: 'trigger.manual', config: {} }];
const settings = { alerts: { email: ['ops@example.com'], onFailure: true, onRecovery: false }, concurrency: { limit: 2, key: '$.body.customer' }, timeoutSeconds: 30 };

describe('workflow settings', () => {
  it('are saved with a version, kept when a save leaves them out, and replaced when a save sends them', async () => {
    const created = await sy.api('/api/workflows', { body: { name: 'with settings', nodes, settings } });
    expect(created.status).toBe(201);
    expect(created.body.settings).toEqual(settings);
    const id = created.body.id;

    const renamed = await sy.api(`/api/workflows/${id}`, { method: 'PUT', body: { name: 'renamed', nodes: created.body.nodes, edges: [] } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.settings).toEqual(settings);

    const changed = await sy.api(`/api/workflows/${id}`, { method: 'PUT', body: { name: 'renamed', nodes: created.body.nodes, edges: [], settings: { timeoutSeconds: 60 } } });
    expect(changed.body).toMatchObject({ version: 3, settings: { timeoutSeconds: 60 } });
    expect((await sy.api(`/api/workflows/${id}`)).body.settings).toEqual({ timeoutSeconds: 60 });

    expect((await sy.api(`/api/workflows/${id}/versions/1`)).body.settings).toEqual(settings);
    const diff = (await sy.api(`/api/workflows/${id}/versions/2/diff/3`)).body;
    expect(diff.settings).toEqual(
      expect.arrayContaining([
        { path: 'settings.timeoutSeconds', before: 30, after: 60 },
        expect.objectContaining({ path: 'settings.alerts', before: settings.alerts }),
      ]),
    );
    const list = (await sy.api(`/api/workflows/${id}/versions`)).body.items;
    expect(list[0].summary).toMatch(/settings/);

    const restored = await sy.api(`/api/workflows/${id}/versions/1/restore`, { method: 'POST' });
    expect(restored.body).toMatchObject({ version: 4, settings });
  });

  it('a new workflow without settings has none', async () => {
    const created = (await sy.api('/api/workflows', { body: { name: 'plain', nodes } })).body;
    expect(created.settings).toEqual({});
  });

  it('refuse bad values with the path of each fault, saving nothing', async () => {
    const id = (await sy.api('/api/workflows', { body: { name: 'bad settings', nodes } })).body.id;
    const bad = { alerts: { email: ['not-an-address'] }, concurrency: { limit: 0 }, timeoutSeconds: -5, colour: 'red' };
    const r = await sy.api(`/api/workflows/${id}`, { method: 'PUT', body: { name: 'bad settings', nodes, settings: bad } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    const paths = r.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['settings.alerts.email.0', 'settings.concurrency.limit', 'settings.timeoutSeconds', 'settings']));
    expect((await sy.api(`/api/workflows/${id}`)).body).toMatchObject({ version: 1, settings: {} });
  });

  it('are exported, imported and duplicated with the workflow', async () => {
    const id = (await sy.api('/api/workflows', { body: { name: 'portable', nodes, settings } })).body.id;
    const doc = (await sy.api(`/api/workflows/${id}/export`)).body;
    expect(doc.workflow.settings).toEqual(settings);
    const imported = await sy.api('/api/workflows/import', { body: doc });
    expect(imported.body.settings).toEqual(settings);
    const copy = await sy.api(`/api/workflows/${id}/duplicate`, { method: 'POST' });
    expect(copy.body.settings).toEqual(settings);
  });
});
