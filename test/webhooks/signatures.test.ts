/**
 * Signed deliveries over real HTTP, secrets stored through the credentials API, signatures made by the
 * providers' own libraries: valid → 202; tampered, stale, future, unsigned, wrongly signed → 401, and
 * every refusal is counted on the trigger without starting anything.
 */
import { createHmac } from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, type Booted } from '../helpers/boot.ts';
import { credential, deliver, executionsOf, hookWorkflow, triggerOf, type Delivery } from './hook-helpers.ts';

let sy: Booted;
beforeAll(async () => {
  sy = await boot();
});
afterAll(() => sy?.close());

const BODY = JSON.stringify({ action: 'opened', issue: { number: 7 } });
const TAMPERED = BODY.replace('7', '8');
const now = () => Math.floor(Date.now() / 1000);
const stripe = new Stripe('sk_test_unused');

/** Runs the five refusal cases plus the valid one; returns the statuses for the summary line. */
async function suite(name: string, url: string, cases: Record<string, () => Promise<Delivery>>, expectReasons: Record<string, string>) {
  const out: Record<string, number> = {};
  for (const [label, send] of Object.entries(cases)) {
    const res = await send();
    out[label] = res.status;
    if (label === 'valid') {
      expect(res.status, `${name} ${label}`).toBe(202);
      expect(res.body.executionId).toMatch(/^ex_/);
    } else {
      expect(res.status, `${name} ${label}`).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      if (expectReasons[label]) expect(res.body.error.details.reason, `${name} ${label}`).toBe(expectReasons[label]);
    }
  }
  console.log(`[webhooks] ${name}: ${Object.entries(out).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return Object.values(out).filter((s) => s === 401).length;
}

async function expectCounted(workflowId: string, refused: number) {
  const trig = await triggerOf(sy, workflowId);
  expect(trig.authFailures).toBe(refused);
  expect(trig.lastError).toMatch(/^authentication failed: /);
  expect(await executionsOf(sy, workflowId)).toHaveLength(1); // only the valid delivery ran
}

describe('hmac presets, signed by the providers’ libraries', () => {
  it('github (X-Hub-Signature-256, @octokit/webhooks-methods)', async () => {
    const cred = await credential(sy, 'webhookSecret', { secret: 'gh-secret-1' });
    const wf = await hookWorkflow(sy, { auth: { type: 'hmac', preset: 'github', credentialId: cred } });
    const refused = await suite(
      'github',
      wf.url,
      {
        valid: async () => deliver(wf.url, BODY, { 'x-hub-signature-256': await githubSign('gh-secret-1', BODY), 'x-github-delivery': 'd-1' }),
        tampered: async () => deliver(wf.url, TAMPERED, { 'x-hub-signature-256': await githubSign('gh-secret-1', BODY) }),
        missingHeader: () => deliver(wf.url, BODY),
        wrongSecret: async () => deliver(wf.url, BODY, { 'x-hub-signature-256': await githubSign('not-the-secret', BODY) }),
      },
      { tampered: 'signature_mismatch', missingHeader: 'missing_signature', wrongSecret: 'signature_mismatch' },
    );
    await expectCounted(wf.id, refused);
  });

  it('stripe (Stripe-Signature t=, v1=; 5 minutes both ways; stripe.webhooks.generateTestHeaderString)', async () => {
    const secret = 'whsec_test_stripe_secret_1';
    const cred = await credential(sy, 'webhookSecret', { secret });
    const wf = await hookWorkflow(sy, { auth: { type: 'hmac', preset: 'stripe', credentialId: cred } });
    const sig = (payload: string, s = secret, timestamp = now()) => ({ 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: s, timestamp }) });
    const refused = await suite(
      'stripe',
      wf.url,
      {
        valid: () => deliver(wf.url, BODY, sig(BODY)),
        tampered: () => deliver(wf.url, TAMPERED, sig(BODY)),
        stale: () => deliver(wf.url, BODY, sig(BODY, secret, now() - 6 * 60)),
        future: () => deliver(wf.url, BODY, sig(BODY, secret, now() + 6 * 60)),
        missingHeader: () => deliver(wf.url, BODY),
        wrongSecret: () => deliver(wf.url, BODY, sig(BODY, 'whsec_someone_else')),
      },
      { tampered: 'signature_mismatch', stale: 'timestamp_too_old', future: 'timestamp_too_new', missingHeader: 'missing_signature', wrongSecret: 'signature_mismatch' },
    );
    await expectCounted(wf.id, refused);
  });

  it('standard-webhooks (whsec_ secret, several signatures, 5 minutes; standardwebhooks Webhook.sign)', async () => {
    const secret = 'whsec_' + Buffer.from('a shared secret of 32 bytes!!!!!').toString('base64');
    const cred = await credential(sy, 'webhookSecret', { secret });
    const wf = await hookWorkflow(sy, { auth: { type: 'hmac', preset: 'standard-webhooks', credentialId: cred } });
    const signer = new Webhook(secret);
    const other = new Webhook('whsec_' + Buffer.from('somebody else entirely, 32 bytes').toString('base64'));
    let n = 0;
    const headers = (payload: string, ts = now(), w = signer, id = `msg_${++n}`) => ({
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': w.sign(id, new Date(ts * 1000), payload),
    });
    const rotated = () => {
      const h = headers(BODY);
      // Secret rotation: the old key's signature first, then the current one, space-separated.
      h['webhook-signature'] = `${other.sign(h['webhook-id'], new Date(Number(h['webhook-timestamp']) * 1000), BODY)} ${h['webhook-signature']}`;
      return h;
    };
    const refused = await suite(
      'standard-webhooks',
      wf.url,
      {
        valid: () => deliver(wf.url, BODY, rotated()),
        tampered: () => deliver(wf.url, TAMPERED, headers(BODY)),
        stale: () => deliver(wf.url, BODY, headers(BODY, now() - 6 * 60)),
        future: () => deliver(wf.url, BODY, headers(BODY, now() + 6 * 60)),
        missingHeader: () => {
          const { 'webhook-signature': _dropped, ...h } = headers(BODY);
          return deliver(wf.url, BODY, h);
        },
        wrongSecret: () => deliver(wf.url, BODY, headers(BODY, now(), other)),
      },
      { tampered: 'signature_mismatch', stale: 'timestamp_too_old', future: 'timestamp_too_new', missingHeader: 'missing_signature', wrongSecret: 'signature_mismatch' },
    );
    await expectCounted(wf.id, refused);
  });

  it('slack (v0, X-Slack-Request-Timestamp, 5 minutes)', async () => {
    const secret = 'slack-signing-secret-1';
    const cred = await credential(sy, 'webhookSecret', { secret });
    const wf = await hookWorkflow(sy, { auth: { type: 'hmac', preset: 'slack', credentialId: cred } });
    // Slack publishes no signing library for Node; this is its documented v0 basestring.
    const sig = (payload: string, ts = now(), s = secret) => ({
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': 'v0=' + createHmac('sha256', s).update(`v0:${ts}:${payload}`).digest('hex'),
    });
    const refused = await suite(
      'slack',
      wf.url,
      {
        valid: () => deliver(wf.url, BODY, sig(BODY)),
        tampered: () => deliver(wf.url, TAMPERED, sig(BODY)),
        stale: () => deliver(wf.url, BODY, sig(BODY, now() - 6 * 60)),
        future: () => deliver(wf.url, BODY, sig(BODY, now() + 6 * 60)),
        missingHeader: () => deliver(wf.url, BODY, { 'x-slack-request-timestamp': String(now()) }),
        wrongSecret: () => deliver(wf.url, BODY, sig(BODY, now(), 'nope')),
      },
      { stale: 'timestamp_too_old', future: 'timestamp_too_new', missingHeader: 'missing_signature' },
    );
    await expectCounted(wf.id, refused);
  });

  it('custom (header, sha512, base64, prefix)', async () => {
    const cred = await credential(sy, 'webhookSecret', { secret: 'custom-1' });
    const wf = await hookWorkflow(sy, {
      auth: { type: 'hmac', preset: 'custom', credentialId: cred, header: 'X-Signature', algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=' },
    });
    const sig = (payload: string, s = 'custom-1') => ({ 'x-signature': 'sha512=' + createHmac('sha512', s).update(payload).digest('base64') });
    const refused = await suite(
      'custom',
      wf.url,
      {
        valid: () => deliver(wf.url, BODY, sig(BODY)),
        tampered: () => deliver(wf.url, TAMPERED, sig(BODY)),
        missingHeader: () => deliver(wf.url, BODY),
        wrongSecret: () => deliver(wf.url, BODY, sig(BODY, 'custom-2')),
      },
      { tampered: 'signature_mismatch', missingHeader: 'missing_signature', wrongSecret: 'signature_mismatch' },
    );
    await expectCounted(wf.id, refused);
  });
});

describe('header and basic auth', () => {
  it('header: a named header against a webhookSecret credential', async () => {
    const cred = await credential(sy, 'webhookSecret', { secret: 'hdr-secret-1' });
    const wf = await hookWorkflow(sy, { auth: { type: 'header', name: 'X-Hook-Token', credentialId: cred } });
    const refused = await suite(
      'header',
      wf.url,
      {
        valid: () => deliver(wf.url, BODY, { 'x-hook-token': 'hdr-secret-1' }),
        missingHeader: () => deliver(wf.url, BODY),
        wrongSecret: () => deliver(wf.url, BODY, { 'x-hook-token': 'hdr-secret-2' }),
      },
      { missingHeader: 'missing_credentials', wrongSecret: 'bad_credentials' },
    );
    await expectCounted(wf.id, refused);
    // The secret never reaches the stored event.
    const [ex] = await executionsOf(sy, wf.id);
    const detail = await sy.api(`/api/executions/${ex!.id}`);
    expect(JSON.stringify(detail.body)).not.toContain('hdr-secret-1');
  });

  it('basic: against an httpBasic credential', async () => {
    const cred = await credential(sy, 'httpBasic', { username: 'ada', password: 'lovelace-1' });
    const wf = await hookWorkflow(sy, { auth: { type: 'basic', credentialId: cred } });
    const basic = (u: string, p: string) => ({ authorization: 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64') });
    const refused = await suite(
      'basic',
      wf.url,
      {
        valid: () => deliver(wf.url, BODY, basic('ada', 'lovelace-1')),
        missingHeader: () => deliver(wf.url, BODY),
        wrongSecret: () => deliver(wf.url, BODY, basic('ada', 'babbage')),
      },
      { missingHeader: 'missing_credentials', wrongSecret: 'bad_credentials' },
    );
    await expectCounted(wf.id, refused);
  });

  it('a rotated secret takes effect at once (the vault tells webhook auth to forget)', async () => {
    const cred = await credential(sy, 'webhookSecret', { secret: 'old-secret' });
    const wf = await hookWorkflow(sy, { auth: { type: 'header', name: 'x-token', credentialId: cred } });
    expect((await deliver(wf.url, BODY, { 'x-token': 'old-secret' })).status).toBe(202);
    expect((await sy.api(`/api/credentials/${cred}`, { method: 'PUT', body: { data: { secret: 'new-secret' } } })).status).toBe(200);
    expect((await deliver(wf.url, BODY, { 'x-token': 'old-secret' })).status).toBe(401);
    expect((await deliver(wf.url, BODY, { 'x-token': 'new-secret' })).status).toBe(202);
  });

  it('a hook whose credential is missing refuses everything', async () => {
    const wf = await hookWorkflow(sy, { auth: { type: 'header', name: 'x-token', credentialId: 'cred_does_not_exist' } });
    const res = await deliver(wf.url, BODY, { 'x-token': 'anything' });
    expect(res.status).toBe(401);
    expect(res.body.error.details.reason).toBe('credential_not_found');
  });
});
