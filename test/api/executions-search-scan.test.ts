/**
 * `q` without the search index (EXECUTION_SEARCH_INDEX=off): the same literal,
 * case-insensitive match over what an execution saw, found by a scan instead of FTS5; combined
 * with the other filters; input is never syntax. SQLite, and PostgreSQL (always a scan there).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';

let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
beforeAll(async () => {
  sink = await startSink((_req, n) => ({ status: 200, body: { orderId: `ord_${n}q5` } }));
  sy = await boot({ env: { OUTBOUND_BLOCK_PRIVATE: 'false', EXECUTION_SEARCH_INDEX: 'off' } });
});
afterAll(async () => {
  await sy?.close();
  await sink?.close();
});

describe('searching executions without the index', () => {
  it('finds a webhook body’s email and a step output’s value, literally, with filters', async () => {
    const wf = (
      await sy.api('/api/workflows', {
        body: {
          name: 'scan',
          nodes: [
            { id: 'hook', type: 'trigger.webhook', config: { methods: ['POST'] } },
            { id: 'call', type: 'action.http', config: { method: 'POST', url: `${sink.url}/orders` } },
          ],
          edges: [{ id: 'e', source: 'hook', target: 'call' }],
        },
      })
    ).body;
    const act = (await sy.api(`/api/workflows/${wf.id}/activate`, { method: 'POST' })).body;
    const url = act.triggers[0].url.replace(/^http:\/\/[^/]+/, sy.base);
    const send = async (email: string) => ((await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) })).json()) as { executionId: string }).executionId;
    const alice = await send('Alice.50%_off@example.com');
    await send('bob@example.com');
    const find = async (q: string, extra = '') => ((await sy.api(`/api/executions?q=${encodeURIComponent(q)}${extra}`)).body.items as { id: string }[]).map((e) => e.id);
    await until(async () => (await find('alice.50%_off@EXAMPLE.com')).length === 1, 10_000);
    expect(await find('alice.50%_off@EXAMPLE.com')).toEqual([alice]);
    // % and _ are literal: "50x" does not match "50%".
    expect(await find('50x')).toEqual([]);
    expect(await find('alice', `&workflowId=${wf.id}&status=success`)).toEqual([alice]);
    expect(await find('alice', '&status=error')).toEqual([]);
    // A value only a step output holds.
    await until(async () => (await find('Q5')).length === 2, 10_000);
    for (const hostile of ['"', 'NEAR(a b)', '*', '\\', 'ü']) expect((await sy.api(`/api/executions?q=${encodeURIComponent(hostile)}`)).status).toBe(200);
  });
});
