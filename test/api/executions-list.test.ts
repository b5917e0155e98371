/**
 * The executions list's per-row fields (issue 15): the trigger's one-line summary, the failed node
 * and its error, duration and version, on SQLite and (the `postgres` project) PostgreSQL alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionSummary } from '../../shared/execution.ts';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';

let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
beforeAll(async () => {
  sy = await boot();
  sink = await startSink(() => ({ status: 500, body: { error: 'crm down' } }));
});
afterAll(async () => {
  await sy?.close();
  await sink?.close();
});

const doc = (url: string) => ({
  name: 'signup to CRM',
  nodes: [
    { id: 'hook', type: 'trigger.webhook', config: { methods: ['POST'] } },
    { id: 'crm', type: 'action.http', name: 'Notify CRM', config: { method: 'POST', url, body: { email: '{{ trigger.body.email }}' } } },
  ],
  edges: [{ id: 'e', source: 'hook', target: 'crm' }],
});

async function listed(workflowId: string, id: string): Promise<ExecutionSummary> {
  return until(async () => {
    const r = await sy.api(`/api/executions?workflowId=${workflowId}`);
    const row = r.body.items.find((x: any) => x.id === id);
    return row && (row.status === 'success' || row.status === 'error') ? ExecutionSummary.parse(row) : undefined;
  });
}

describe('GET /api/executions items', () => {
  let wfId: string;
  let failedId: string;

  beforeAll(async () => {
    const created = (await sy.api('/api/workflows', { body: doc(`${sink.url}/leads`) })).body;
    wfId = created.id;
    // A second save: the execution runs (and names) version 2.
    const saved = await sy.api(`/api/workflows/${wfId}`, { method: 'PUT', body: { ...doc(`${sink.url}/leads`), nodes: created.nodes } });
    expect(saved.body.version).toBe(2);
    const active = await sy.api(`/api/workflows/${wfId}/activate`, { method: 'POST' });
    const res = await fetch(active.body.triggers[0].url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.co', password: 'hunter2-secret', plan: 'pro', seats: 3 }),
    });
    expect(res.status).toBe(202);
    failedId = ((await res.json()) as { executionId: string }).executionId;
  });

  it('names the failed node as the version that ran had it, with the error, duration and version', async () => {
    const row = await listed(wfId, failedId);
    expect(row.status).toBe('error');
    expect(row.failedNode).toEqual({ id: 'crm', name: 'Notify CRM', type: 'action.http' });
    expect(row.error).toMatchObject({ code: 'HTTP_STATUS', message: 'HTTP 500' });
    expect(row.workflowVersion).toBe(2);
    expect(row.durationMs).toEqual(expect.any(Number));
    expect(row.durationMs).toBeGreaterThanOrEqual(0);
    expect(row.mode).toBe('webhook');
  });

  it('summarises the webhook body in one line, its secret-named field masked', async () => {
    const row = await listed(wfId, failedId);
    expect(row.summary).toBe('email: a@b.co · password: ••• · plan: pro · …');
    expect(JSON.stringify(row)).not.toContain('hunter2');
  });

  it('gives the detail and a retry the same fields (the retry’s summary is its event’s)', async () => {
    const detail = (await sy.api(`/api/executions/${failedId}`)).body;
    expect(detail.failedNode).toEqual({ id: 'crm', name: 'Notify CRM', type: 'action.http' });
    expect(detail.summary).toBe('email: a@b.co · password: ••• · plan: pro · …');
    const retry = await sy.api(`/api/executions/${failedId}/retry`, { method: 'POST' });
    expect(retry.status).toBe(202);
    const row = await listed(wfId, retry.body.executionId);
    expect(row).toMatchObject({ mode: 'retry', retryOf: failedId, summary: detail.summary, failedNode: { id: 'crm', name: 'Notify CRM' } });
  });

  it('a successful manual run has no failed node and summarises its payload', async () => {
    const ok = (await sy.api('/api/workflows', {
      body: { name: 'manual', nodes: [{ id: 'go', type: 'trigger.manual', config: {} }, { id: 'x', type: 'data.transform', config: { expression: '1' } }], edges: [{ id: 'e', source: 'go', target: 'x' }] },
    })).body;
    const run = await sy.api(`/api/workflows/${ok.id}/run`, { body: { payload: { orderId: 'o-7', total: 12.5 } } });
    expect(run.status).toBe(202);
    const row = await listed(ok.id, run.body.executionId);
    expect(row).toMatchObject({ status: 'success', failedNode: null, error: null, summary: 'orderId: o-7 · total: 12.5', workflowVersion: 1, mode: 'manual' });
  });

  it('names the failed node of a run recorded before names were stored, from its version', async () => {
    const row = await listed(wfId, failedId);
    // As an older release wrote it: the node id only, and no summary column value.
    await sy.app.store.kysely
      .updateTable('executions')
      .set({ error: JSON.stringify({ nodeId: 'crm', code: 'HTTP_STATUS', message: 'HTTP 500' }), summary: null })
      .where('id', '=', row.id)
      .execute();
    const legacy = await listed(wfId, failedId);
    expect(legacy.failedNode).toEqual({ id: 'crm', name: 'Notify CRM', type: 'action.http' });
    expect(legacy.summary).toBeNull();
  });
});
