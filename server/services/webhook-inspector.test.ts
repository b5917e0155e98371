/** The request inspector: bounded buffers, masking, capped bodies, batched writes through group commit. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../db/sqlite/driver.ts';
import { createWorkflowRepo } from '../db/repos/workflow.repo.ts';
import { silentLogger } from '../lib/logger.ts';
import { createWebhookInspector, hookKey, INSPECTOR_BODY_CAP, INSPECTOR_KEEP, maskHeaders, type HookRef } from './webhook-inspector.ts';

let store: SqliteStore;
const hook: HookRef = { key: hookKey('wf_1', 'hook'), workflowId: 'wf_1', nodeId: 'hook', config: { auth: { type: 'header', name: 'X-Token', credentialId: 'c' } } };
const req = (n: number, body = `{"n":${n}}`) => ({
  method: 'POST',
  path: '/',
  headers: { 'content-type': 'application/json', 'x-token': 's3cret', authorization: 'Bearer k', 'x-n': String(n) },
  query: { n: String(n) },
  rawBody: Buffer.from(body),
});

beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await createWorkflowRepo(store.kysely).save({ id: 'wf_1', name: 'w', active: true, version: 1, nodes: [], edges: [], settings: {}, createdAt: 1, updatedAt: 1 });
});
afterEach(() => store.close());

const make = (flushMs = 60_000) =>
  createWebhookInspector({ store: store.inspector, clock: { now: () => 1_700_000_000_000 }, logger: silentLogger, flushMs });

describe('webhook inspector', () => {
  it('keeps the newest 50, newest first, with secrets masked', async () => {
    const inspector = make();
    for (let i = 1; i <= 120; i++) {
      inspector.record(hook, req(i), { status: 202, executionId: `ex_${i}` }, 1_700_000_000_000 + i);
      if (i % 40 === 0) await inspector.flush(); // across several flushes, the table is trimmed too
    }
    const items = await inspector.list('wf_1', 'hook');
    expect(items).toHaveLength(INSPECTOR_KEEP);
    expect(items[0]!.executionId).toBe('ex_120');
    expect(items.at(-1)!.executionId).toBe('ex_71');
    expect(items[0]!.headers).toMatchObject({ 'x-token': '[redacted]', authorization: '[redacted]', 'x-n': '120' });
    expect(items[0]!.body).toBe('{"n":120}');
    expect(items[0]!.query).toEqual({ n: '120' });
    expect(items[0]!.id).toMatch(/^req_/);
  });

  it('caps the stored body and says so', async () => {
    const inspector = make();
    const big = JSON.stringify({ s: 'x'.repeat(INSPECTOR_BODY_CAP * 2) });
    inspector.record(hook, req(1, big), { status: 202 }, 1);
    const [item] = await inspector.list('wf_1', 'hook');
    expect(item!.body!.length).toBe(INSPECTOR_BODY_CAP);
    expect(item!.bodySize).toBe(Buffer.byteLength(big));
    expect(item!.bodyTruncated).toBe(true);
  });

  it('counts auth failures and writes nothing synchronously on the request path', async () => {
    const inspector = make();
    const before = store.stats().writes!;
    for (let i = 0; i < 1000; i++) {
      inspector.authFailure(hook, i % 2 ? 'signature_mismatch' : 'missing_signature');
      inspector.record(hook, req(i), { status: 401, reason: 'signature_mismatch' }, i);
    }
    expect(store.stats().writes!).toBe(before); // nothing yet: buffered
    const stats = await inspector.stats('wf_1', 'hook');
    expect(store.stats().writes! - before).toBe(1); // 1000 requests → one group-committed write
    expect(stats).toMatchObject({ authFailures: 1000, lastAuthFailureReason: 'signature_mismatch' });
    inspector.authFailure(hook, 'missing_signature');
    expect((await inspector.stats('wf_1', 'hook')).authFailures).toBe(1001);
  });

  it('flushes on its timer without anyone asking', async () => {
    const inspector = make(20);
    inspector.record(hook, req(1), { status: 202 }, 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(await store.inspector.list('wf_1', 'hook')).toHaveLength(1);
  });

  it('a flush for a deleted workflow is dropped, not thrown', async () => {
    const inspector = make();
    inspector.record({ ...hook, key: hookKey('wf_gone', 'hook'), workflowId: 'wf_gone' }, req(1), { status: 202 }, 1);
    await expect(inspector.flush()).resolves.toBeUndefined();
    expect(await inspector.list('wf_gone', 'hook')).toEqual([]);
  });
});

it('maskHeaders masks the hook’s signature header and own-property-safe names', () => {
  const out = maskHeaders({ 'stripe-signature': 't=1,v1=ab', cookie: 'a=b', ['__proto__']: 'x', ok: '1' }, { type: 'hmac', preset: 'stripe', credentialId: 'c' });
  expect(out).toEqual({ 'stripe-signature': '[redacted]', cookie: '[redacted]', ['__proto__']: 'x', ok: '1' });
  expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
});
