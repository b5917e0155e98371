/**
 * What a user sees still works when the process that answers is not the one that runs (issue 11):
 * webhook redelivery dedupe across two `web` processes, result mode answered by a `web` process
 * with a `worker`'s output, and live events (SSE) on a `web` process for a `worker`'s execution.
 * Each test has a database and processes of its own.
 */
import { afterEach, expect, it } from 'vitest';
import { Agent } from 'undici';
import { describePg } from '../helpers/postgres.ts';
import { startSink } from '../helpers/sink.ts';
import { sendHook, sleep, startTestCluster, waitFor, type TestCluster } from '../helpers/cluster.ts';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const transform = (expression: string) => ({ id: 'shape', type: 'data.transform', config: { expression } });
const edge = { id: 'e', source: 'hook', target: 'shape' };

describePg('across processes', () => {
  it('dedupes one Idempotency-Key sent to two web processes at once: one execution, both answers carry its id', async () => {
    c = await startTestCluster('dedupe');
    const cl = c;
    const [a, b] = await Promise.all([cl.spawn('web'), cl.spawn('web'), cl.spawn('worker')]);
    const wf = await cl.createWorkflow(a!, { name: 'dedupe', nodes: [{ id: 'hook', type: 'trigger.webhook', config: {} }, transform('trigger.body')], edges: [edge] });
    const urls = [wf.hookUrl(a!), wf.hookUrl(b!)];
    // Warm connections first, so the 40 requests below leave together rather than behind handshakes.
    const agent = new Agent({ connections: 40 });
    await Promise.all(urls.map((u) => sendHook(u, { warm: true }, {}, agent)));

    const KEYS = 20;
    const key = (k: number) => `delivery-${k}-${Math.random().toString(36).slice(2)}`;
    const keys = Array.from({ length: KEYS }, (_, k) => key(k));
    const answers = await Promise.all(keys.flatMap((k) => urls.map((u) => sendHook(u, { key: k }, { 'idempotency-key': k }, agent).then((r) => ({ k, u, ...r })))));
    await agent.close();

    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 202));
    for (const k of keys) {
      const pair = answers.filter((r) => r.k === k);
      expect(pair.length).toBe(2);
      // Both processes answer with the one execution's id; the second to commit says it is a duplicate.
      expect(pair[0]!.body.executionId, k).toBe(pair[1]!.body.executionId);
      expect(pair.filter((r) => r.body.duplicate === true).length, k).toBe(1);
    }
    const ids = new Set(answers.map((r) => r.body.executionId as string));
    expect(ids.size).toBe(KEYS);

    // Exactly one execution per key in the database (beside the two warm-up runs), each finished by the worker.
    await waitFor('every execution to finish', async () => (await cl.count(`SELECT count(*) FROM executions WHERE status IN ('queued', 'running')`)) === 0, {
      context: () => cl.logs(),
    });
    const rows = await cl.query<{ id: string; status: string; key: string | null }>(
      `SELECT e.id, e.status, (s.output::json->'body'->>'key') AS key FROM executions e JOIN steps s ON s.execution_id = e.id AND s.node_id = 'hook'`,
    );
    const keyed = rows.filter((r) => r.key !== null);
    expect(keyed.length).toBe(KEYS);
    expect(new Set(keyed.map((r) => r.key))).toEqual(new Set(keys));
    expect(new Set(keyed.map((r) => r.id))).toEqual(ids);
    expect(rows.every((r) => r.status === 'success')).toBe(true);
    expect(await cl.count(`SELECT count(*) FROM idempotency_keys`)).toBe(KEYS);

    // Sent again later, to either process: the same execution, nothing new.
    const again = await Promise.all(keys.map((k, i) => sendHook(urls[i % 2]!, { key: k }, { 'idempotency-key': k })));
    for (const [i, r] of again.entries()) {
      expect(r.status).toBe(202);
      expect(r.body).toEqual({ executionId: answers.find((x) => x.k === keys[i])!.body.executionId, duplicate: true });
    }
    expect(await cl.count(`SELECT count(*) FROM executions`)).toBe(KEYS + 2);
  }, 120_000);

  it('answers result mode on the web process with the output a worker computed, or 202 with a status URL after timeoutMs', async () => {
    const sink = await startSink(async (req) => {
      await sleep(req.url === '/slow' ? 3000 : 800);
      return { status: 200, body: { echoed: (req.json as { n?: unknown } | undefined)?.n } };
    });
    try {
      c = await startTestCluster('result_mode');
      const cl = c;
      const [web] = await Promise.all([cl.spawn('web'), cl.spawn('worker')]);
      const quick = await cl.createWorkflow(web!, {
        name: 'result: transform',
        nodes: [{ id: 'hook', type: 'trigger.webhook', config: { response: { mode: 'result', timeoutMs: 15_000 } } }, transform('{ "doubled": trigger.body.n * 2 }')],
        edges: [edge],
      });
      const waited = await cl.createWorkflow(web!, {
        name: 'result: slowish http',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', config: { response: { mode: 'result', timeoutMs: 15_000 } } },
          { id: 'shape', type: 'action.http', config: { method: 'POST', url: `${sink.url}/ok`, body: { n: '{{ trigger.body.n }}' } } },
        ],
        edges: [edge],
      });
      const slow = await cl.createWorkflow(web!, {
        name: 'result: too slow',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', config: { response: { mode: 'result', timeoutMs: 500 } } },
          { id: 'shape', type: 'action.http', config: { method: 'POST', url: `${sink.url}/slow`, body: { n: '{{ trigger.body.n }}' } } },
        ],
        edges: [edge],
      });

      // A fast run: the worker's output, whether it finished before or after the web process began to wait.
      const fast = await Promise.all(Array.from({ length: 10 }, (_, n) => sendHook(quick.hookUrl(web!), { n })));
      for (const [n, r] of fast.entries()) {
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body).toEqual({ doubled: n * 2 });
      }
      // A run that takes longer than the trip between processes: the answer waits for the worker's finish.
      const held = await Promise.all([7, 8, 9].map((n) => sendHook(waited.hookUrl(web!), { n })));
      for (const [i, r] of held.entries()) {
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body).toMatchObject({ status: 200, body: { echoed: 7 + i } });
      }
      // Longer than timeoutMs: 202 with where to look, and the run still finishes on the worker.
      const late = await sendHook(slow.hookUrl(web!), { n: 1 });
      expect(late.status).toBe(202);
      const id = late.body.executionId as string;
      expect(late.body).toEqual({ executionId: id, statusUrl: expect.stringMatching(new RegExp(`/api/executions/${id}$`)) });
      const done = await waitFor('the slow run to finish', async () => {
        const e = await cl.api<any>(web!, `/api/executions/${id}`);
        return e.status === 'success' ? e : undefined;
      });
      expect(done.steps.find((s: any) => s.nodeId === 'shape').output).toMatchObject({ status: 200, body: { echoed: 1 } });
      // The web process ran none of it (it executes nothing): every run was leased by the worker.
      expect(web!.output()).not.toContain('execution started');
    } finally {
      await sink.close();
    }
  }, 120_000);

  it('streams execution and step events on the web process for an execution a worker ran', async () => {
    c = await startTestCluster('live_events');
    const cl = c;
    const [web] = await Promise.all([cl.spawn('web'), cl.spawn('worker')]);
    const wf = await cl.createWorkflow(web!, { name: 'live', nodes: [{ id: 'hook', type: 'trigger.webhook', config: {} }, transform('{ "seen": trigger.body.n }')], edges: [edge] });
    const key = await cl.apiKey(web!);

    const ctrl = new AbortController();
    const res = await fetch(`${web!.base}/api/events`, { headers: { authorization: `Bearer ${key}` }, signal: ctrl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events: { event: string; data: any }[] = [];
    let connected = false;
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buf = '';
      try {
        const reader = res.body!.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let at: number;
          while ((at = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, at);
            buf = buf.slice(at + 2);
            if (block.startsWith(': connected')) connected = true;
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) events.push({ event, data: JSON.parse(data) });
          }
        }
      } catch {
        // aborted at the end of the test
      }
    })();
    await waitFor('the event stream to open', () => connected);

    try {
      const runs = [];
      for (let n = 0; n < 10; n++) {
        const r = await sendHook(wf.hookUrl(web!), { n });
        expect(r.status).toBe(202);
        runs.push({ n, id: r.body.executionId as string });
      }
      for (const { n, id } of runs) {
        const mine = () => events.filter((e) => (e.event === 'execution' ? e.data.id : e.data.executionId) === id);
        await waitFor(`events of execution ${n}`, () => mine().some((e) => e.event === 'execution' && e.data.status === 'success') && mine().some((e) => e.event === 'step' && e.data.step.nodeId === 'shape'), {
          timeoutMs: 15_000,
          context: () => JSON.stringify(mine()),
        });
        const statuses = mine()
          .filter((e) => e.event === 'execution')
          .map((e) => e.data.status as string);
        // queued (on the web process, at ingest) before success (from the worker, by NOTIFY).
        expect(statuses[0], JSON.stringify(statuses)).toBe('queued');
        expect(statuses[statuses.length - 1]).toBe('success');
        expect(statuses.indexOf('success')).toBeGreaterThan(statuses.indexOf('queued'));
        const summary = mine().find((e) => e.event === 'execution' && e.data.status === 'success')!.data;
        expect(summary).toMatchObject({ id, workflowId: wf.id, status: 'success', mode: 'webhook' });
        const step = mine().find((e) => e.event === 'step' && e.data.step.nodeId === 'shape')!.data;
        expect(step).toMatchObject({ executionId: id, workflowId: wf.id, step: { nodeId: 'shape', status: 'success', output: { seen: n } } });
      }
      expect(web!.output()).not.toContain('execution started');
    } finally {
      ctrl.abort();
      await reading;
    }
  }, 120_000);
});
