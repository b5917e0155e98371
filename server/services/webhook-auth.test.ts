/** Webhook auth against the providers' own signing libraries and the Standard Webhooks test vector. */
import { createHmac } from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { WebhookAuth } from '#shared/nodes/trigger-webhook.ts';
import { createWebhookAuthenticator, type SecretSource } from './webhook-auth.ts';
import type { Hook, InboundRequest } from './webhook.service.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const nowSec = Math.floor(NOW / 1000);
const BODY = '{"action":"opened","n":1}';
const TAMPERED = '{"action":"opened","n":2}';

const vault = new Map<string, { type: string; data: Record<string, unknown> }>([
  ['cred_gh', { type: 'webhookSecret', data: { secret: 'gh-secret' } }],
  ['cred_stripe', { type: 'webhookSecret', data: { secret: 'whsec_stripe_test_secret' } }],
  ['cred_std', { type: 'webhookSecret', data: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } }],
  ['cred_slack', { type: 'webhookSecret', data: { secret: '8f742231b10e8888abcd99yyyzzz85a5' } }],
  ['cred_custom', { type: 'webhookSecret', data: { secret: 'custom-secret' } }],
  ['cred_basic', { type: 'httpBasic', data: { username: 'ada', password: 'lovelace' } }],
]);
let reveals = 0;
const secrets: SecretSource = {
  async reveal(id) {
    reveals++;
    return vault.get(id);
  },
};

function check(auth: WebhookAuth, headers: Record<string, string>, body = BODY, now = NOW) {
  const { authenticate } = createWebhookAuthenticator({ secrets, clock: { now: () => now } });
  const req: InboundRequest = { token: 't'.repeat(32), method: 'POST', path: '/', headers, query: {}, rawBody: Buffer.from(body) };
  return authenticate(auth, req, {} as Hook);
}

const stripe = new Stripe('sk_test_unused');
const stripeHeader = (payload: string, secret: string, timestamp: number) => stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

describe('github (X-Hub-Signature-256)', () => {
  const auth: WebhookAuth = { type: 'hmac', preset: 'github', credentialId: 'cred_gh' };
  it('accepts what @octokit/webhooks-methods signs; refuses tampering, a wrong secret and a missing header', async () => {
    const sig = await githubSign('gh-secret', BODY);
    expect(await check(auth, { 'x-hub-signature-256': sig })).toBeNull();
    expect(await check(auth, { 'x-hub-signature-256': sig }, TAMPERED)).toBe('signature_mismatch');
    expect(await check(auth, { 'x-hub-signature-256': await githubSign('other', BODY) })).toBe('signature_mismatch');
    expect(await check(auth, {})).toBe('missing_signature');
    expect(await check(auth, { 'x-hub-signature-256': sig.replace('sha256=', 'sha1=') })).toBe('malformed_signature');
    expect(await check(auth, { 'x-hub-signature-256': `${sig}zz` })).toBe('malformed_signature');
  });
});

describe('stripe (Stripe-Signature t= v1=)', () => {
  const auth: WebhookAuth = { type: 'hmac', preset: 'stripe', credentialId: 'cred_stripe' };
  it('accepts stripe.webhooks.generateTestHeaderString; 5-minute tolerance both ways', async () => {
    expect(await check(auth, { 'stripe-signature': stripeHeader(BODY, 'whsec_stripe_test_secret', nowSec) })).toBeNull();
    expect(await check(auth, { 'stripe-signature': stripeHeader(BODY, 'whsec_stripe_test_secret', nowSec - 299) })).toBeNull();
    expect(await check(auth, { 'stripe-signature': stripeHeader(BODY, 'whsec_stripe_test_secret', nowSec - 301) })).toBe('timestamp_too_old');
    expect(await check(auth, { 'stripe-signature': stripeHeader(BODY, 'whsec_stripe_test_secret', nowSec + 301) })).toBe('timestamp_too_new');
    expect(await check(auth, { 'stripe-signature': stripeHeader(BODY, 'whsec_stripe_test_secret', nowSec) }, TAMPERED)).toBe('signature_mismatch');
    expect(await check(auth, { 'stripe-signature': stripeHeader(BODY, 'whsec_wrong', nowSec) })).toBe('signature_mismatch');
    expect(await check(auth, {})).toBe('missing_signature');
    expect(await check(auth, { 'stripe-signature': 'v1=abc' })).toBe('missing_timestamp');
  });
  it('accepts any v1 among several (secret roll)', async () => {
    const good = stripeHeader(BODY, 'whsec_stripe_test_secret', nowSec);
    const old = stripeHeader(BODY, 'whsec_old', nowSec).split(',')[1]!;
    expect(await check(auth, { 'stripe-signature': `${good.split(',')[0]},${old},${good.split(',')[1]}` })).toBeNull();
  });
});

describe('standard-webhooks', () => {
  const auth: WebhookAuth = { type: 'hmac', preset: 'standard-webhooks', credentialId: 'cred_std' };
  // The published test vector (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, "sign function works").
  const vector = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    payload: '{"test": 2432232314}',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const vectorHeaders = { 'webhook-id': vector.id, 'webhook-timestamp': String(vector.timestamp), 'webhook-signature': vector.signature };

  it('verifies the published test vector at its own time, and refuses it five minutes later', async () => {
    expect(await check(auth, vectorHeaders, vector.payload, vector.timestamp * 1000)).toBeNull();
    expect(await check(auth, vectorHeaders, vector.payload, (vector.timestamp + 301) * 1000)).toBe('timestamp_too_old');
    expect(await check(auth, vectorHeaders, vector.payload, (vector.timestamp - 301) * 1000)).toBe('timestamp_too_new');
    expect(await check(auth, vectorHeaders, vector.payload.replace('2432232314', '2432232315'), vector.timestamp * 1000)).toBe('signature_mismatch');
  });

  it('accepts Webhook.sign from the standardwebhooks library, with several signatures in one header', async () => {
    const wh = new Webhook(vector.secret);
    const sig = wh.sign('msg_1', new Date(NOW), BODY);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(nowSec), 'webhook-signature': sig };
    expect(await check(auth, headers)).toBeNull();
    const other = new Webhook('whsec_' + Buffer.from('another secret of 24 bytes!!').toString('base64')).sign('msg_1', new Date(NOW), BODY);
    expect(await check(auth, { ...headers, 'webhook-signature': `v1a,AAAA ${other} ${sig}` })).toBeNull();
    expect(await check(auth, { ...headers, 'webhook-signature': other })).toBe('signature_mismatch');
    expect(await check(auth, headers, TAMPERED)).toBe('signature_mismatch');
    expect(await check(auth, { ...headers, 'webhook-id': 'msg_2' })).toBe('signature_mismatch');
    expect(await check(auth, { 'webhook-id': 'msg_1', 'webhook-timestamp': String(nowSec) })).toBe('missing_signature');
    expect(await check(auth, { 'webhook-signature': sig, 'webhook-timestamp': String(nowSec) })).toBe('missing_webhook_id');
    expect(await check(auth, { ...headers, 'webhook-timestamp': 'soon' })).toBe('malformed_timestamp');
  });
});

describe('slack (v0, X-Slack-Request-Timestamp)', () => {
  const auth: WebhookAuth = { type: 'hmac', preset: 'slack', credentialId: 'cred_slack' };
  const slackSign = (ts: number, body: string, secret = '8f742231b10e8888abcd99yyyzzz85a5') =>
    'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
  it('accepts a v0 signature within five minutes and refuses the rest', async () => {
    const h = (ts: number, sig = slackSign(ts, BODY)) => ({ 'x-slack-signature': sig, 'x-slack-request-timestamp': String(ts) });
    expect(await check(auth, h(nowSec))).toBeNull();
    expect(await check(auth, h(nowSec - 301))).toBe('timestamp_too_old');
    expect(await check(auth, h(nowSec + 301))).toBe('timestamp_too_new');
    expect(await check(auth, h(nowSec), TAMPERED)).toBe('signature_mismatch');
    expect(await check(auth, h(nowSec, slackSign(nowSec, BODY, 'wrong')))).toBe('signature_mismatch');
    expect(await check(auth, { 'x-slack-signature': slackSign(nowSec, BODY) })).toBe('missing_timestamp');
  });
});

describe('custom hmac', () => {
  it('honours header, algorithm, encoding and prefix', async () => {
    const auth: WebhookAuth = { type: 'hmac', preset: 'custom', credentialId: 'cred_custom', header: 'X-Sig', algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=' };
    const sig = 'sha512=' + createHmac('sha512', 'custom-secret').update(BODY).digest('base64');
    expect(await check(auth, { 'x-sig': sig })).toBeNull();
    expect(await check(auth, { 'x-sig': sig.slice(7) })).toBe('malformed_signature');
    expect(await check(auth, { 'x-sig': sig }, TAMPERED)).toBe('signature_mismatch');
    const sha1: WebhookAuth = { type: 'hmac', preset: 'custom', credentialId: 'cred_custom', header: 'x-sig', algorithm: 'sha1' };
    expect(await check(sha1, { 'x-sig': createHmac('sha1', 'custom-secret').update(BODY).digest('hex') })).toBeNull();
  });
});

describe('header and basic', () => {
  it('header: the named header equals the webhookSecret', async () => {
    const auth: WebhookAuth = { type: 'header', name: 'X-Token', credentialId: 'cred_custom' };
    expect(await check(auth, { 'x-token': 'custom-secret' })).toBeNull();
    expect(await check(auth, { 'x-token': 'custom-secreT' })).toBe('bad_credentials');
    expect(await check(auth, {})).toBe('missing_credentials');
  });
  it('basic: against an httpBasic credential; wrong credential types and unknown ids are refused', async () => {
    const auth: WebhookAuth = { type: 'basic', credentialId: 'cred_basic' };
    const b = (s: string) => 'Basic ' + Buffer.from(s).toString('base64');
    expect(await check(auth, { authorization: b('ada:lovelace') })).toBeNull();
    expect(await check(auth, { authorization: b('ada:babbage') })).toBe('bad_credentials');
    expect(await check(auth, { authorization: b('bob:lovelace') })).toBe('bad_credentials');
    expect(await check(auth, {})).toBe('missing_credentials');
    expect(await check({ type: 'basic', credentialId: 'cred_gh' }, { authorization: b('ada:lovelace') })).toBe('credential_wrong_type');
    expect(await check({ type: 'header', name: 'x', credentialId: 'cred_nope' }, { x: 'y' })).toBe('credential_not_found');
  });
});

it('caches revealed secrets briefly instead of reading the vault on every delivery', async () => {
  let now = NOW;
  const { authenticate, forget } = createWebhookAuthenticator({ secrets, clock: { now: () => now }, cacheMs: 5000 });
  const auth: WebhookAuth = { type: 'header', name: 'x-token', credentialId: 'cred_custom' };
  const req: InboundRequest = { token: 't', method: 'POST', path: '/', headers: { 'x-token': 'custom-secret' }, query: {}, rawBody: Buffer.alloc(0) };
  const before = reveals;
  for (let i = 0; i < 10; i++) expect(await authenticate(auth, req, {} as Hook)).toBeNull();
  expect(reveals - before).toBe(1);
  now += 5001;
  await authenticate(auth, req, {} as Hook);
  forget('cred_custom');
  await authenticate(auth, req, {} as Hook);
  expect(reveals - before).toBe(3);
});
