/**
 * GET /metrics on a real server: the values after a known sequence of runs (webhooks → an HTTP
 * action against a loopback sink, a failing run, an email captured in the outbox), the loopback and
 * token protection, the workflow label cap, and `promtool check metrics` on the real output.
 */
import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, onPostgres, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';
import { deliver, hookWorkflow } from '../webhooks/hook-helpers.ts';
import { labelValues, parseSamples, valueOf, type Sample } from './metrics-text.ts';

const TOKEN = 'metrics-token-0123456789';

async function scrape(base: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${base}/metrics`, { headers });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

async function finalOf(sy: Booted, executionId: string): Promise<{ id: string; status: string }> {
  return until(async () => {
    const r = await sy.api(`/api/executions/${executionId}`);
    return r.body.status === 'success' || r.body.status === 'error' ? r.body : undefined;
  });
}

async function manualWorkflow(sy: Booted, name: string, action: { id: string; type: string; config: unknown }): Promise<string> {
  const wf = await sy.api('/api/workflows', {
    body: { name, nodes: [{ id: 'start', type: 'trigger.manual', config: {} }, action], edges: [{ id: 'e', source: 'start', target: action.id }] },
  });
  expect(wf.status, JSON.stringify(wf.body)).toBe(201);
  return wf.body.id as string;
}

async function runManual(sy: Booted, workflowId: string): Promise<{ id: string; status: string }> {
  const run = await sy.api(`/api/workflows/${workflowId}/run`, { body: { payload: {} } });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  return finalOf(sy, run.body.executionId);
}

describe('metrics after a known sequence of runs', () => {
  let sy: Booted;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let samples: Sample[];
  let text: string;
  const ids: Record<'ok' | 'failing' | 'mail', string> = { ok: '', failing: '', mail: '' };
  const executionIds: string[] = [];

  beforeAll(async () => {
    sink = await startSink((req) => (req.url.startsWith('/ok') ? { status: 200, body: { ok: true } } : { status: 404, body: { error: 'no such thing' } }));
    sy = await boot();
    const ok = await hookWorkflow(sy, {}, [{ id: 'call', type: 'action.http', config: { method: 'POST', url: `${sink.url}/ok` } }]);
    const failing = await hookWorkflow(sy, {}, [{ id: 'call', type: 'action.http', config: { url: `${sink.url}/missing` } }]);
    ids.ok = ok.id;
    ids.failing = failing.id;
    ids.mail = await manualWorkflow(sy, 'mail', { id: 'notify', type: 'action.email', config: { to: 'ada@example.com', subject: 'hello', text: 'hi' } });

    for (const url of [ok.url, ok.url, failing.url]) {
      const d = await deliver(url, '{"n":1}');
      expect(d.status).toBe(202);
      executionIds.push(d.body.executionId);
    }
    // An unknown hook: answered 404, counted under 4xx.
    expect((await deliver(`${sy.base}/hooks/${'x'.repeat(24)}`, '{}')).status).toBe(404);
    const finals = await Promise.all(executionIds.map((id) => finalOf(sy, id)));
    expect(finals.map((f) => f.status)).toEqual(['success', 'success', 'error']);
    const mail = await runManual(sy, ids.mail);
    expect(mail.status).toBe('success');
    executionIds.push(mail.id);
    // The API shows an execution final once its row is written; its worker emits the final event
    // and lets go of it just after. Idle means all of that happened.
    await sy.app.queue.idle();

    const r = await scrape(sy.base);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    text = r.text;
    samples = parseSamples(text);
  });
  afterAll(async () => {
    await sy?.close();
    await sink?.close();
  });

  it('counts executions started and finished by workflow and status', () => {
    expect(valueOf(samples, 'switchyard_executions_started_total', { workflow: ids.ok })).toBe(2);
    expect(valueOf(samples, 'switchyard_executions_started_total', { workflow: ids.failing })).toBe(1);
    expect(valueOf(samples, 'switchyard_executions_started_total', { workflow: ids.mail })).toBe(1);
    expect(valueOf(samples, 'switchyard_executions_finished_total', { workflow: ids.ok, status: 'success' })).toBe(2);
    expect(valueOf(samples, 'switchyard_executions_finished_total', { workflow: ids.failing, status: 'error' })).toBe(1);
    expect(valueOf(samples, 'switchyard_executions_finished_total', { workflow: ids.failing, status: 'success' })).toBeUndefined();
    expect(valueOf(samples, 'switchyard_executions_finished_total', { workflow: ids.mail, status: 'success' })).toBe(1);
  });

  it('never puts an execution id in a label', () => {
    for (const id of executionIds) expect(text).not.toContain(id);
  });

  it('has step duration histograms by node type and status', () => {
    expect(valueOf(samples, 'switchyard_step_duration_seconds_count', { node_type: 'action.http', status: 'success' })).toBe(2);
    expect(valueOf(samples, 'switchyard_step_duration_seconds_count', { node_type: 'action.http', status: 'error' })).toBe(1);
    expect(valueOf(samples, 'switchyard_step_duration_seconds_count', { node_type: 'action.email', status: 'success' })).toBe(1);
    // The +Inf bucket holds every observation.
    expect(valueOf(samples, 'switchyard_step_duration_seconds_bucket', { node_type: 'action.http', status: 'success', le: '+Inf' })).toBe(2);
    expect(valueOf(samples, 'switchyard_step_duration_seconds_sum', { node_type: 'action.http', status: 'success' })).toBeGreaterThanOrEqual(0);
  });

  it('times webhook acknowledgements by status class', () => {
    expect(valueOf(samples, 'switchyard_webhook_ack_duration_seconds_count', { status_class: '2xx' })).toBe(3);
    expect(valueOf(samples, 'switchyard_webhook_ack_duration_seconds_count', { status_class: '4xx' })).toBe(1);
    expect(valueOf(samples, 'switchyard_webhook_ack_duration_seconds_bucket', { status_class: '2xx', le: '+Inf' })).toBe(3);
  });

  it('counts outbound HTTP by status class and email by outcome', () => {
    expect(valueOf(samples, 'switchyard_outbound_http_requests_total', { status_class: '2xx' })).toBe(2);
    expect(valueOf(samples, 'switchyard_outbound_http_requests_total', { status_class: '4xx' })).toBe(1);
    expect(sink.requests).toHaveLength(3);
    expect(valueOf(samples, 'switchyard_emails_total', { outcome: 'captured' })).toBe(1);
    expect(valueOf(samples, 'switchyard_emails_total', { outcome: 'sent' })).toBeUndefined();
  });

  it('reads the queue gauges at scrape time (nothing waits after the runs)', () => {
    expect(valueOf(samples, 'switchyard_queue_depth')).toBe(0);
    expect(valueOf(samples, 'switchyard_queue_oldest_age_seconds')).toBe(0);
    expect(valueOf(samples, 'switchyard_executions_running')).toBe(0);
  });

  it.skipIf(onPostgres)('reports group-commit batch sizes and fsync times (SQLite)', () => {
    const batches = valueOf(samples, 'switchyard_group_commit_batch_size_count')!;
    expect(batches).toBeGreaterThan(0);
    // Every batch holds at least one write.
    expect(valueOf(samples, 'switchyard_group_commit_batch_size_sum')).toBeGreaterThanOrEqual(batches);
    expect(valueOf(samples, 'switchyard_group_commit_fsync_seconds_count')).toBeGreaterThan(0);
    // The driver's own counters agree with the histogram (the test's scrape happened after them).
    expect(batches).toBeLessThanOrEqual(sy.app.store.stats().batches!);
  });

  it('includes event-loop delay and process memory', () => {
    expect(valueOf(samples, 'switchyard_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(valueOf(samples, 'switchyard_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(valueOf(samples, 'switchyard_nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(samples.every((s) => s.name.startsWith('switchyard_'))).toBe(true);
  });

  it('passes promtool check metrics', (ctx) => {
    const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      // CI installs Debian's prometheus package (.ci/run): there, a missing promtool is a failure.
      if (process.env.CI === 'true') throw new Error(`promtool is not installed (apt-get install prometheus): ${probe.error.message}`);
      process.stderr.write('\n!!! promtool check metrics SKIPPED: promtool not installed (apt-get install prometheus)\n\n');
      return ctx.skip();
    }
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('who may read /metrics', () => {
  it('without METRICS_TOKEN: loopback only, and not through a proxy', async () => {
    const sy = await boot({ env: { HOST: '0.0.0.0' } });
    try {
      expect((await scrape(sy.base)).status).toBe(200);
      const forwarded = await scrape(sy.base, { 'x-forwarded-for': '203.0.113.9' });
      expect(forwarded.status).toBe(403);
      expect(JSON.parse(forwarded.text)).toMatchObject({ error: { code: 'FORBIDDEN' } });
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      expect(external, 'this test needs a non-loopback IPv4 interface to connect from').toBeDefined();
      const port = new URL(sy.base).port;
      const remote = await scrape(`http://${external}:${port}`);
      expect(remote.status).toBe(403);
      expect(JSON.parse(remote.text)).toMatchObject({ error: { code: 'FORBIDDEN', message: expect.stringContaining('METRICS_TOKEN') } });
      // The API is not affected: the same address reaches it.
      expect((await fetch(`http://${external}:${port}/api/health`)).status).toBe(200);
    } finally {
      await sy.close();
    }
  });

  it('with METRICS_TOKEN: the bearer token, from anywhere, and nothing else', async () => {
    const sy = await boot({ env: { METRICS_TOKEN: TOKEN } });
    try {
      const none = await scrape(sy.base);
      expect(none.status).toBe(401);
      expect(JSON.parse(none.text)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      expect((await scrape(sy.base, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
      expect((await scrape(sy.base, { authorization: `Basic ${TOKEN}` })).status).toBe(401);
      // The API key is not the metrics token.
      expect((await scrape(sy.base, { authorization: `Bearer ${sy.apiKey}` })).status).toBe(401);
      const ok = await scrape(sy.base, { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('# TYPE switchyard_executions_started_total counter');
      const post = await fetch(`${sy.base}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(post.status).toBe(405);
    } finally {
      await sy.close();
    }
  });

  it('refuses a token shorter than 16 characters at start', async () => {
    await expect(boot({ env: { METRICS_TOKEN: 'short' } })).rejects.toThrow(/METRICS_TOKEN: must be at least 16 characters/);
  });
});

describe('workflow label cardinality', () => {
  it('keeps at most METRICS_MAX_WORKFLOWS workflow ids; the rest count as other', async () => {
    const sy = await boot({ env: { METRICS_MAX_WORKFLOWS: '2' } });
    try {
      const wfs: string[] = [];
      for (const n of [1, 2, 3, 4]) wfs.push(await manualWorkflow(sy, `wf ${n}`, { id: 'x', type: 'data.transform', config: { expression: `${n}` } }));
      for (const id of wfs) expect((await runManual(sy, id)).status).toBe('success');
      // A workflow seen before the cap keeps its own label later on.
      expect((await runManual(sy, wfs[0]!)).status).toBe('success');
      await sy.app.queue.idle();
      const samples = parseSamples((await scrape(sy.base)).text);
      expect(labelValues(samples, 'switchyard_executions_started_total', 'workflow')).toEqual([wfs[0]!, wfs[1]!, 'other'].sort());
      expect(valueOf(samples, 'switchyard_executions_started_total', { workflow: wfs[0]! })).toBe(2);
      expect(valueOf(samples, 'switchyard_executions_started_total', { workflow: 'other' })).toBe(2);
      expect(valueOf(samples, 'switchyard_executions_finished_total', { workflow: 'other', status: 'success' })).toBe(2);
    } finally {
      await sy.close();
    }
  });
});
