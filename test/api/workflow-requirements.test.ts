/**
 * Export lists what a workflow needs (variables and credentials, names and types, never values);
 * import into another server maps credentials by name and type or by an explicit `credentialMap`,
 * and reports what is missing instead of keeping dangling ids silently (issue 14).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, type Booted } from '../helpers/boot.ts';

let a: Booted;
let b: Booted;
const ids: Record<string, string> = {};

async function cred(sy: Booted, name: string, type: string, data: Record<string, unknown>): Promise<string> {
  const r = await sy.api('/api/credentials', { body: { name, type, data } });
  expect(r.status).toBe(201);
  return r.body.id;
}

beforeAll(async () => {
  a = await boot();
  b = await boot();
  ids.billingA = await cred(a, 'Billing API', 'httpBearer', { token: 'bearer-value-a1' });
  ids.crmA = await cred(a, 'CRM', 'httpHeader', { name: 'x-key', value: 'crm-value-a1' });
  ids.billingB = await cred(b, 'Billing API', 'httpBearer', { token: 'bearer-value-b1' });
  ids.crmB = await cred(b, 'CRM (new)', 'httpHeader', { name: 'x-key', value: 'crm-value-b1' });
  // Same name as A's CRM but another type: never a match.
  ids.crmWrongType = await cred(b, 'CRM', 'httpBearer', { token: 'other-type-1' });
  await a.api('/api/variables', { body: { name: 'API_BASE', value: 'https://billing.example.com' } });
  await a.api('/api/variables', { body: { name: 'TOKEN', value: 'token-value-a1', secret: true } });
  await b.api('/api/variables', { body: { name: 'API_BASE', value: 'https://billing.example.org' } });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

const draft = () => ({
  name: 'needs things',
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {} },
    { id: 'bill', type: 'action.http', config: { url: '{{ vars.API_BASE }}/charge', headers: { 'x-token': '{{ vars.TOKEN }}' }, credentialId: ids.billingA } },
    { id: 'crm', type: 'action.http', config: { url: 'https://crm.example.com', credentialId: ids.crmA } },
    { id: 'check', type: 'logic.if', config: { condition: 'vars.API_BASE != "" and vars.REGION = "eu"' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'bill' },
    { id: 'e2', source: 'bill', target: 'crm' },
    { id: 'e3', source: 'crm', target: 'check' },
  ],
});

describe('export', () => {
  it('lists the variables and credentials the workflow needs, without values', async () => {
    const wf = (await a.api('/api/workflows', { body: draft() })).body;
    const doc = await a.api(`/api/workflows/${wf.id}/export`);
    expect(doc.status).toBe(200);
    expect(doc.body.requires).toEqual({
      variables: [
        { name: 'API_BASE', secret: false },
        { name: 'REGION', secret: null },
        { name: 'TOKEN', secret: true },
      ],
      credentials: [
        { id: ids.billingA, name: 'Billing API', type: 'httpBearer' },
        { id: ids.crmA, name: 'CRM', type: 'httpHeader' },
      ],
    });
    expect(JSON.stringify(doc.body)).not.toMatch(/bearer-value|crm-value|token-value|billing\.example\.com/);
    ids.doc = JSON.stringify(doc.body);
  });
});

describe('import', () => {
  it('maps a credential by name and type, and reports the missing credential and variables', async () => {
    const r = await b.api('/api/workflows/import', { body: JSON.parse(ids.doc!) });
    expect(r.status).toBe(201);
    expect(r.body.import).toEqual({
      credentials: {
        mapped: [{ from: ids.billingA, to: ids.billingB, name: 'Billing API', by: 'name' }],
        missing: [{ id: ids.crmA, name: 'CRM', type: 'httpHeader', nodes: ['crm'] }],
      },
      variables: { missing: [{ name: 'TOKEN', nodes: ['bill'] }, { name: 'REGION', nodes: ['check'] }] },
    });
    const saved = (await b.api(`/api/workflows/${r.body.id}`)).body;
    expect(saved.nodes.find((n: { id: string }) => n.id === 'bill').config.credentialId).toBe(ids.billingB);
    // Not mapped: kept as it was (backward compatible), and reported above.
    expect(saved.nodes.find((n: { id: string }) => n.id === 'crm').config.credentialId).toBe(ids.crmA);
  });

  it('maps credentials by the old name or id given in credentialMap', async () => {
    const r = await b.api('/api/workflows/import', { body: { ...JSON.parse(ids.doc!), credentialMap: { CRM: ids.crmB, [ids.billingA!]: ids.billingB } } });
    expect(r.status).toBe(201);
    expect(r.body.import.credentials).toEqual({
      mapped: [
        { from: ids.billingA, to: ids.billingB, name: 'Billing API', by: 'map' },
        { from: ids.crmA, to: ids.crmB, name: 'CRM (new)', by: 'map' },
      ],
      missing: [],
    });
    const saved = (await b.api(`/api/workflows/${r.body.id}`)).body;
    expect(saved.nodes.find((n: { id: string }) => n.id === 'crm').config.credentialId).toBe(ids.crmB);
  });

  it('refuses a credentialMap naming a credential that does not exist, with its path', async () => {
    const r = await b.api('/api/workflows/import', { body: { ...JSON.parse(ids.doc!), credentialMap: { CRM: 'cred_nope' } } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'credentialMap.CRM' }] });
  });

  it('a bare draft without `requires` still imports; a dangling id is reported with no name', async () => {
    const r = await b.api('/api/workflows/import', { body: draft() });
    expect(r.status).toBe(201);
    expect(r.body.import.credentials.missing.map((m: { id: string; name: string | null }) => [m.id, m.name])).toEqual([
      [ids.billingA, null],
      [ids.crmA, null],
    ]);
    // On the server it came from, the same ids are its own: nothing to map, nothing missing.
    const home = await a.api('/api/workflows/import', { body: JSON.parse(ids.doc!) });
    expect(home.body.import).toEqual({ credentials: { mapped: [], missing: [] }, variables: { missing: [{ name: 'REGION', nodes: ['check'] }] } });
  });
});
