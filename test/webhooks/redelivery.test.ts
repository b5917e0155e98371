/**
 * Redelivery: an Idempotency-Key, webhook-id or X-GitHub-Delivery seen again on the same hook within
 * 72 hours returns the first execution — atomically, so 50 concurrent duplicates start exactly one.
 */
import { sign as githubSign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, type Booted } from '../helpers/boot.ts';
import { credential, deliver, executionsOf, hookWorkflow } from './hook-helpers.ts';

let sy: Booted;
let offsetMs = 0;
beforeAll(async () => {
  sy = await boot({ overrides: { clock: { now: () => Date.now() + offsetMs } } });
});
afterAll(() => sy?.close());

async function burst(url: string, n: number, body: string, headers: () => Promise<Record<string, string>> | Record<string, string>) {
  const all = await Promise.all(Array.from({ length: n }, async () => deliver(url, body, await headers())));
  return { statuses: new Set(all.map((r) => r.status)), ids: new Set(all.map((r) => r.body.executionId)), duplicates: all.filter((r) => r.body.duplicate).length };
}

describe.each(['idempotency-key', 'webhook-id'])('50 concurrent deliveries with one %s', (header) => {
  it('start exactly one execution and all answer with its id', async () => {
    const wf = await hookWorkflow(sy, {});
    const r = await burst(wf.url, 50, '{"order":42}', () => ({ [header]: `key-${header}` }));
    const executions = await executionsOf(sy, wf.id);
    console.log(`[webhooks] ${header}: 50 concurrent → statuses ${[...r.statuses]}, distinct ids ${r.ids.size}, duplicates ${r.duplicates}, executions ${executions.length}`);
    expect(r.statuses).toEqual(new Set([202]));
    expect(r.ids.size).toBe(1);
    expect(r.duplicates).toBe(49);
    expect(executions).toHaveLength(1);
    expect(executions[0]!.id).toBe([...r.ids][0]);
  });
});

it('50 concurrent signed GitHub redeliveries (X-GitHub-Delivery) start exactly one execution', async () => {
  const cred = await credential(sy, 'webhookSecret', { secret: 'gh-redelivery' });
  const wf = await hookWorkflow(sy, { auth: { type: 'hmac', preset: 'github', credentialId: cred } });
  const body = JSON.stringify({ action: 'closed' });
  const sig = await githubSign('gh-redelivery', body);
  const r = await burst(wf.url, 50, body, () => ({ 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'x-hub-signature-256': sig }));
  const executions = await executionsOf(sy, wf.id);
  console.log(`[webhooks] x-github-delivery: 50 concurrent → distinct ids ${r.ids.size}, executions ${executions.length}`);
  expect(r.ids.size).toBe(1);
  expect(executions).toHaveLength(1);
});

it('keys are per hook, and a key older than 72 hours starts a new execution', async () => {
  const a = await hookWorkflow(sy, {});
  const b = await hookWorkflow(sy, {});
  const first = await deliver(a.url, '{}', { 'idempotency-key': 'shared' });
  const other = await deliver(b.url, '{}', { 'idempotency-key': 'shared' });
  expect(other.body.executionId).not.toBe(first.body.executionId);
  offsetMs = 71 * 3600_000;
  expect((await deliver(a.url, '{}', { 'idempotency-key': 'shared' })).body).toEqual({ executionId: first.body.executionId, duplicate: true });
  offsetMs = 72 * 3600_000 + 60_000;
  const later = await deliver(a.url, '{}', { 'idempotency-key': 'shared' });
  expect(later.status).toBe(202);
  expect(later.body.duplicate).toBeUndefined();
  expect(later.body.executionId).not.toBe(first.body.executionId);
  offsetMs = 0;
  expect(await executionsOf(sy, a.id)).toHaveLength(2);
});
