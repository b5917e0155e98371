/**
 * `GET /api/executions?q=…` (issue 13): text inside a webhook body or a step output finds its
 * executions, with the other filters and the cursor; user input is never query syntax; what the
 * scrubber removed cannot be found; pruned executions leave the index. SQLite and (the `postgres`
 * project) PostgreSQL alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, onPostgres, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';

const SECRET = 'SRCH-bearer-secret-4k9w';

let sy: Booted;
let sink: Awaited<ReturnType<typeof startSink>>;
beforeAll(async () => {
  // /orders answers with an order id of its own (a value only a step output holds), and echoes the
  // request headers (the credential's Authorization among them, which the scrubber must remove).
  sink = await startSink((req, n) =>
    req.url.startsWith('/down') ? { status: 500, body: { error: 'down' } } : { status: 200, body: { orderId: `ord_${n}x7`, seen: req.headers } },
  );
  sy = await boot();
});
afterAll(async () => {
  await sy?.close();
  await sink?.close();
});

type Hook = { id: string; url: string };

async function hookWorkflow(name: string, path: string, credentialId?: string): Promise<Hook> {
  const wf = await sy.api('/api/workflows', {
    body: {
      name,
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: { methods: ['POST'] } },
        { id: 'call', type: 'action.http', config: { method: 'POST', url: `${sink.url}${path}`, ...(credentialId ? { credentialId } : {}) } },
      ],
      edges: [{ id: 'e', source: 'hook', target: 'call' }],
    },
  });
  expect(wf.status).toBe(201);
  const act = await sy.api(`/api/workflows/${wf.body.id}/activate`, { method: 'POST' });
  return { id: wf.body.id, url: act.body.triggers[0].url };
}

async function fire(hook: Hook, body: unknown): Promise<string> {
  const res = await fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { executionId: string }).executionId;
}

async function finished(id: string): Promise<any> {
  return until(async () => {
    const r = await sy.api(`/api/executions/${id}`);
    return r.body.status === 'success' || r.body.status === 'error' ? r.body : undefined;
  });
}

async function search(params: Record<string, string>, b: Booted = sy): Promise<{ status: number; body: any }> {
  return b.api(`/api/executions?${new URLSearchParams(params)}`);
}
const ids = (r: { body: any }) => r.body.items.map((x: any) => x.id);

/** SQLite: the executions the full-text index holds a document for (its worker writes them a moment after a run ends). */
async function indexedIds(b: Booted = sy): Promise<string[]> {
  const rows = await b.app.store.search!.kysely.selectFrom('search_docs' as never).select('execution_id' as never).execute();
  return rows.map((r) => (r as { execution_id: string }).execution_id);
}

/**
 * The ids `params` finds, once they are `expected`: search documents are written a moment after
 * the run (batched off the webhook path), so a positive answer is waited for (10 s at most).
 * Negative answers are asserted only after a positive one over the same runs has come.
 */
async function found(params: Record<string, string>, expected: string[], b: Booted = sy): Promise<void> {
  const want = JSON.stringify(expected);
  const last = await until(async () => {
    const r = await search(params, b);
    return JSON.stringify(ids(r)) === want ? ids(r) : undefined;
  }).catch(async () => ids(await search(params, b)));
  expect(last, JSON.stringify(params)).toEqual(expected);
}

describe('GET /api/executions?q=', () => {
  let orders: Hook;
  let failing: Hook;
  let alice: string;
  let bob: string;
  let down: string;
  let manual: string;

  beforeAll(async () => {
    const cred = await sy.api('/api/credentials', { body: { name: 'shop token', type: 'httpBearer', data: { token: SECRET } } });
    expect(cred.status).toBe(201);
    orders = await hookWorkflow('orders', '/orders', cred.body.id);
    failing = await hookWorkflow('failing', '/down');
    alice = await fire(orders, { email: 'alice.search@example.com', campaign: 'spring-sale-k2' });
    bob = await fire(orders, { email: 'bob.search@example.com', campaign: 'spring-sale-k2' });
    down = await fire(failing, { email: 'carol.search@example.com', campaign: 'spring-sale-k2' });
    const run = await sy.api(`/api/workflows/${orders.id}/run`, { body: { payload: { campaign: 'spring-sale-k2' } } });
    manual = run.body.executionId;
    for (const id of [alice, bob, down, manual]) await finished(id);
  });

  it('finds an email inside a webhook body, whole, as typed so far, or in another case', async () => {
    await found({ q: 'alice.search@example.com' }, [alice]);
    await found({ q: 'alice.sea' }, [alice]);
    await found({ q: 'ALICE.Search@Example.COM' }, [alice]);
    const row = (await search({ q: 'bob.search@example.com' })).body.items[0];
    expect(row).toMatchObject({ id: bob, workflowId: orders.id, status: 'success', mode: 'webhook' });
  });

  it('finds a value only a step output holds', async () => {
    const detail = await finished(bob);
    const orderId = detail.steps.find((s: any) => s.nodeId === 'call').output.body.orderId as string;
    expect(orderId).toMatch(/^ord_\d+x7$/);
    await found({ q: orderId }, [bob]);
  });

  it('combines the text with workflow, status and mode, newest first', async () => {
    await found({ q: 'spring-sale-k2' }, [manual, down, bob, alice]);
    await found({ q: 'spring-sale-k2', workflowId: orders.id }, [manual, bob, alice]);
    await found({ q: 'spring-sale-k2', status: 'error' }, [down]);
    expect(ids(await search({ q: 'spring-sale-k2', workflowId: failing.id, status: 'success' }))).toEqual([]);
    await found({ q: 'spring-sale-k2', mode: 'manual' }, [manual]);
    await found({ q: 'spring-sale-k2', mode: 'webhook', workflowId: orders.id }, [bob, alice]);
  });

  it('filters by a time range on created_at (from inclusive, to exclusive)', async () => {
    const created = (await finished(bob)).createdAt as string;
    await found({ q: 'spring-sale-k2', from: created, workflowId: orders.id }, [manual, bob]);
    await found({ q: 'spring-sale-k2', to: created, workflowId: orders.id }, [alice]);
    expect(ids(await search({ q: 'spring-sale-k2', from: '2000-01-01T00:00:00Z', to: '2000-01-02T00:00:00Z' }))).toEqual([]);
  });

  it('pages through the matches with the cursor, each once', async () => {
    const mark = 'page-mark-q7z';
    const fired: string[] = [];
    for (let i = 0; i < 5; i++) fired.push(await fire(orders, { batch: mark, i }));
    await fire(orders, { batch: 'other-mark' });
    await found({ q: mark }, [...fired].reverse());
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await search({ q: mark, limit: '2', ...(cursor ? { cursor } : {}) });
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(r));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...fired].reverse());
  });

  it('answers an empty page when nothing matches, and ignores a blank query', async () => {
    const none = await search({ q: 'no-such-text-anywhere-31' });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ items: [], nextCursor: null });
    await found({ q: '   ', workflowId: failing.id }, [down]);
  });

  it('never finds a credential value the scrubber removed from a step output', async () => {
    const detail = await finished(alice);
    const echoed = JSON.stringify(detail.steps.find((s: any) => s.nodeId === 'call').output);
    expect(echoed).toContain('[redacted]');
    expect(echoed).not.toContain(SECRET);
    // The same output is indexed: its other text is found, the secret (whole or in part) is not.
    await until(async () => {
      const hits = ids(await search({ q: 'Bearer [redacted]', workflowId: orders.id }));
      return hits.includes(alice) && hits.includes(bob);
    });
    for (const q of [SECRET, 'bearer-secret-4k9w', 'SRCH-bearer']) expect(ids(await search({ q }))).toEqual([]);
    if (!onPostgres) {
      // And once the index holds both runs (not only the scan of what it does not hold yet).
      await until(async () => ((await indexedIds()).includes(alice) && (await indexedIds()).includes(bob) ? true : undefined));
      expect(ids(await search({ q: 'Bearer [redacted]', workflowId: orders.id }))).toEqual(expect.arrayContaining([alice, bob]));
      for (const q of [SECRET, 'bearer-secret-4k9w', 'SRCH-bearer']) expect(ids(await search({ q }))).toEqual([]);
    }
  });

  it('rejects a malformed filter with a code and the path of the fault', async () => {
    for (const [params, path] of [
      [{ q: 'x'.repeat(201) }, 'q'],
      [{ from: 'yesterday' }, 'from'],
      [{ to: '2026-13-40T00:00:00Z' }, 'to'],
      [{ mode: 'carrier-pigeon' }, 'mode'],
      [{ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'to'],
    ] as const) {
      const r = await search(params);
      expect(r.status, path).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(params)).toEqual([path]);
    }
  });
});

describe('special characters in q', () => {
  let specials: Hook;
  let literal: string;
  let lookalike: string;

  beforeAll(async () => {
    specials = await hookWorkflow('specials', '/orders');
    literal = await fire(specials, { note: 'He said "50%" of_ALL *stars* NEAR ünïcødé € done' });
    lookalike = await fire(specials, { note: '50x ofxALL stars near unicode' });
    await fire(specials, { note: 'plain words' });
    for (const id of [literal, lookalike]) await finished(id);
  });

  it('matches quotes, %, _, *, NEAR and unicode literally', async () => {
    const only = (q: string, expected: string[]) => found({ q, workflowId: specials.id }, expected);
    // Both runs indexed first: the answers below that leave one out mean something.
    await only('stars', [lookalike, literal]);
    await only('"50%"', [literal]);
    await only('50%', [literal]);
    await only('%', [literal]);
    await only('"', [literal]);
    await only('of_ALL', [literal]);
    await only('*stars*', [literal]);
    await only('stars* NEAR', [literal]);
    await only('ünïcødé €', [literal]);
    await only('€', [literal]);
    await only('ofxALL', [lookalike]);
  });

  it('answers 200 for input that is syntax elsewhere', async () => {
    for (const q of ['NEAR(a b)', 'a* OR b', '"unterminated', '\\', "')--", 'AND', 'x:y', '^start', '-minus', '()', '\u0000', '😀'.repeat(50)]) {
      const r = await search({ q, workflowId: specials.id });
      expect(r.status, q).toBe(200);
      expect(ids(r), q).toEqual([]);
    }
  });
});

describe('pruned executions', () => {
  let small: Booted;
  afterAll(async () => {
    await small?.close();
  });

  it('leave the search results (and the index)', async () => {
    small = await boot({ env: { EXECUTIONS_MAX_PER_WORKFLOW: '2' } });
    const wf = await small.api('/api/workflows', {
      body: { name: 'p', nodes: [{ id: 'hook', type: 'trigger.webhook', config: {} }, { id: 'x', type: 'data.transform', config: { expression: 'input.body' } }], edges: [{ id: 'e', source: 'hook', target: 'x' }] },
    });
    const act = await small.api(`/api/workflows/${wf.body.id}/activate`, { method: 'POST' });
    const fired: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await fetch(act.body.triggers[0].url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ticket: `tkt_${i}_prune` }) });
      fired.push(((await r.json()) as { executionId: string }).executionId);
    }
    await small.app.queue.idle();
    await found({ q: '_prune' }, [...fired].reverse(), small);
    expect((await small.app.pruneNow()).deleted).toBe(2);
    expect(ids(await search({ q: 'tkt_0_prune' }, small))).toEqual([]);
    expect(ids(await search({ q: 'tkt_1_prune' }, small))).toEqual([]);
    expect(ids(await search({ q: '_prune' }, small))).toEqual([fired[3], fired[2]]);
    if (!onPostgres) {
      // The indexer (a worker) drops the pruned executions' documents: two are left.
      const indexed = async () => (await indexedIds(small)).sort();
      await until(async () => ((await indexed()).length === 2 ? true : undefined)).catch(() => undefined);
      expect(await indexed()).toEqual([fired[2], fired[3]].sort());
    }
  });
});
