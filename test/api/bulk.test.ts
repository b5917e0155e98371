/**
 * POST /api/executions/bulk: every execution a filter matches, not a page, in the background with
 * progress; a repeated request returns the same job and starts nothing twice. Retry over 2,000
 * failed executions, cancel of parked runs, delete of finished ones, refusals with paths.
 * SQLite, and PostgreSQL in the postgres project.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';

let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
beforeAll(async () => {
  sink = await startSink((req) => (req.url === '/down' ? { status: 500, body: {} } : { status: 200, body: {} }));
  sy = await boot({ env: { OUTBOUND_BLOCK_PRIVATE: 'false' } });
});
afterAll(async () => {
  await sy?.close();
  await sink?.close();
});

const workflow = async (name: string, second: { type: string; config: unknown }) =>
  (
    await sy.api('/api/workflows', {
      body: { name, nodes: [{ id: 'start', type: 'trigger.manual', config: {} }, { id: 'step', ...second }], edges: [{ id: 'e', source: 'start', target: 'step' }] },
    })
  ).body.id as string;
const runMany = async (workflowId: string, n: number) => {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 25) {
    const batch = Array.from({ length: Math.min(25, n - i) }, (_, j) => sy.api(`/api/workflows/${workflowId}/run`, { body: { payload: { n: i + j } } }));
    ids.push(...(await Promise.all(batch)).map((r) => r.body.executionId as string));
  }
  return ids;
};
const countWhere = async (q: string) => {
  let n = 0;
  let cursor: string | null = null;
  do {
    const page: { items: unknown[]; nextCursor: string | null } = (await sy.api(`/api/executions?limit=200${q}${cursor ? `&cursor=${cursor}` : ''}`)).body;
    n += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return n;
};
const jobDone = (jobId: string) =>
  until(async () => {
    const j = (await sy.api(`/api/executions/bulk/${jobId}`)).body;
    return j.status === 'done' ? j : undefined;
  }, 120_000);

describe('bulk actions on executions', () => {
  it('retries all 2,000 failed executions of a workflow with progress, and a repeated request starts nothing twice', async () => {
    const wf = await workflow('fails', { type: 'action.http', config: { method: 'POST', url: `${sink.url}/down` } });
    await runMany(wf, 2000);
    await until(async () => (await countWhere(`&workflowId=${wf}&status=error`)) === 2000, 120_000);

    const body = { action: 'retry', filter: { workflowId: wf, status: 'error' } };
    const first = await sy.api('/api/executions/bulk', { body });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ action: 'retry', status: 'running', total: 2000 });
    const again = await sy.api('/api/executions/bulk', { body });
    expect(again.status).toBe(200);
    expect(again.body.jobId).toBe(first.body.jobId);
    // Progress moves while it runs.
    const seen = new Set<number>();
    const done = await until(async () => {
      const j = (await sy.api(`/api/executions/bulk/${first.body.jobId}`)).body;
      seen.add(j.done);
      return j.status === 'done' ? j : undefined;
    }, 120_000);
    expect(done).toMatchObject({ total: 2000, done: 2000, failed: 0, finishedAt: expect.any(String) });
    expect(seen.size).toBeGreaterThan(1);
    // Exactly one retry per failed execution (the retries, failing too, were not their own targets).
    const retries: { retryOf: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { mode: string; retryOf: string }[]; nextCursor: string | null } = (await sy.api(`/api/executions?limit=200&workflowId=${wf}${cursor ? `&cursor=${cursor}` : ''}`)).body;
      retries.push(...page.items.filter((e) => e.mode === 'retry'));
      cursor = page.nextCursor;
    } while (cursor);
    expect(retries).toHaveLength(2000);
    expect(new Set(retries.map((r) => r.retryOf)).size).toBe(2000);
  }, 300_000);

  it('cancels parked runs and deletes finished ones; refuses a bad request with its path', async () => {
    const parks = await workflow('parks', { type: 'flow.delay', config: { seconds: 120 } });
    const parked = await runMany(parks, 20);
    await until(async () => (await countWhere(`&workflowId=${parks}&status=running`)) === 20, 30_000);
    const cancel = (await sy.api('/api/executions/bulk', { body: { action: 'cancel', filter: { workflowId: parks } } })).body;
    expect(await jobDone(cancel.jobId)).toMatchObject({ total: 20, done: 20, failed: 0 });
    for (const id of parked.slice(0, 3)) expect((await sy.api(`/api/executions/${id}`)).body.status).toBe('canceled');

    const ok = await workflow('fine', { type: 'data.transform', config: { expression: '1' } });
    await runMany(ok, 10);
    await until(async () => (await countWhere(`&workflowId=${ok}&status=success`)) === 10, 30_000);
    const del = (await sy.api('/api/executions/bulk', { body: { action: 'delete', filter: { workflowId: ok } } })).body;
    expect(await jobDone(del.jobId)).toMatchObject({ total: 10, done: 10, failed: 0 });
    expect(await countWhere(`&workflowId=${ok}`)).toBe(0);

    const bad = await sy.api('/api/executions/bulk', { body: { action: 'explode', filter: { nope: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['action', 'filter']);
    expect((await sy.api('/api/executions/bulk/bulk_nope')).status).toBe(404);
  }, 120_000);
});
