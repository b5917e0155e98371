/**
 * The Standard Webhooks specification's published test vector, delivered over HTTP to a server whose
 * clock stands at the vector's timestamp (standard-webhooks/standard-webhooks,
 * libraries/javascript/src/webhook.test.ts, "sign function works").
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { boot, type Booted } from '../helpers/boot.ts';
import { credential, deliver, executionsOf, hookWorkflow, triggerOf } from './hook-helpers.ts';

const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const headers = { 'webhook-id': VECTOR.msgId, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature };

let sy: Booted;
let offsetMs = 0;
const realStart = Date.now();
beforeAll(async () => {
  // Time runs normally from the vector's timestamp; offsetMs moves it for the tolerance cases.
  sy = await boot({ overrides: { clock: { now: () => VECTOR.timestamp * 1000 + (Date.now() - realStart) + offsetMs } } });
});
afterAll(() => sy?.close());

it('accepts the published vector and refuses it tampered, outside 5 minutes, unsigned or under another secret', async () => {
  const cred = await credential(sy, 'webhookSecret', { secret: VECTOR.secret });
  const wf = await hookWorkflow(sy, { auth: { type: 'hmac', preset: 'standard-webhooks', credentialId: cred } });

  const valid = await deliver(wf.url, VECTOR.payload, headers);
  expect(valid.status).toBe(202);
  const tampered = await deliver(wf.url, VECTOR.payload.replace('2432232314', '2432232315'), headers);
  expect([tampered.status, tampered.body.error.details.reason]).toEqual([401, 'signature_mismatch']);
  const missing = await deliver(wf.url, VECTOR.payload, { 'webhook-id': VECTOR.msgId, 'webhook-timestamp': String(VECTOR.timestamp) });
  expect([missing.status, missing.body.error.details.reason]).toEqual([401, 'missing_signature']);

  const otherCred = await credential(sy, 'webhookSecret', { secret: 'whsec_' + Buffer.from('not the vector secret, 32 bytes!').toString('base64') });
  const other = await hookWorkflow(sy, { auth: { type: 'hmac', preset: 'standard-webhooks', credentialId: otherCred } });
  const wrong = await deliver(other.url, VECTOR.payload, headers);
  expect([wrong.status, wrong.body.error.details.reason]).toEqual([401, 'signature_mismatch']);

  offsetMs = 6 * 60_000; // the server is now 6 minutes past the vector: a replay
  const stale = await deliver(wf.url, VECTOR.payload, headers);
  expect([stale.status, stale.body.error.details.reason]).toEqual([401, 'timestamp_too_old']);
  offsetMs = -6 * 60_000; // the server is 6 minutes before it: a forged future stamp
  const future = await deliver(wf.url, VECTOR.payload, headers);
  expect([future.status, future.body.error.details.reason]).toEqual([401, 'timestamp_too_new']);
  offsetMs = 0;

  console.log(`[webhooks] standard-webhooks vector: valid=${valid.status} tampered=${tampered.status} missing=${missing.status} wrongSecret=${wrong.status} stale=${stale.status} future=${future.status}`);
  expect((await triggerOf(sy, wf.id)).authFailures).toBe(4);
  expect(await executionsOf(sy, wf.id)).toHaveLength(1);
});
