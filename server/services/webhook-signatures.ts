/**
 * HMAC signature checks for inbound webhooks, one per provider preset, over the raw body bytes.
 * Pure (secret, headers, body, now in → null or a short reason code out) so each preset is tested
 * against the provider's own signing library without a server.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookAuth } from '#shared/nodes/trigger-webhook.ts';

export type HmacAuth = Extract<WebhookAuth, { type: 'hmac' }>;

/** Stripe, Standard Webhooks and Slack all allow five minutes of clock skew; we apply it both ways. */
export const TOLERANCE_SECONDS = 300;

export type AuthReason =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'missing_webhook_id'
  | 'malformed_signature'
  | 'malformed_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'signature_mismatch'
  | 'missing_credentials'
  | 'bad_credentials'
  | 'credential_not_found'
  | 'credential_wrong_type'
  | 'credential_invalid';

export type SignatureInput = {
  secret: string;
  /** Lower-case header names, as node:http gives them. */
  headers: Record<string, string | undefined>;
  body: Buffer;
  nowMs: number;
};

type Algorithm = 'sha1' | 'sha256' | 'sha512';
type Encoding = 'hex' | 'base64';

/** The header that carries the signature for a preset (lower case): masked in the inspector. */
export function signatureHeader(auth: HmacAuth): string {
  switch (auth.preset) {
    case 'github':
      return 'x-hub-signature-256';
    case 'stripe':
      return 'stripe-signature';
    case 'standard-webhooks':
      return 'webhook-signature';
    case 'slack':
      return 'x-slack-signature';
    case 'custom':
      return (auth.header ?? 'x-signature').toLowerCase();
  }
}

export function verifySignature(auth: HmacAuth, input: SignatureInput): AuthReason | null {
  switch (auth.preset) {
    case 'github':
      return github(input);
    case 'stripe':
      return stripe(input);
    case 'standard-webhooks':
      return standardWebhooks(input);
    case 'slack':
      return slack(input);
    case 'custom':
      return custom(auth, input);
  }
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`. */
function github({ secret, headers, body }: SignatureInput): AuthReason | null {
  const value = headers['x-hub-signature-256'];
  if (!value) return 'missing_signature';
  if (!value.startsWith('sha256=')) return 'malformed_signature';
  return matches(hmac('sha256', secret, [body]), value.slice(7), 'hex');
}

/** Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` over `<t>.<body>`; several v1 during secret rolls. */
function stripe({ secret, headers, body, nowMs }: SignatureInput): AuthReason | null {
  const value = headers['stripe-signature'];
  if (!value) return 'missing_signature';
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't') t = v;
    else if (k === 'v1') v1.push(v);
  }
  if (t === undefined) return 'missing_timestamp';
  if (v1.length === 0) return 'malformed_signature';
  const late = checkTimestamp(t, nowMs);
  if (late) return late;
  const expected = hmac('sha256', secret, [`${t}.`, body]);
  return anyMatches(expected, v1, 'hex');
}

/**
 * Standard Webhooks: `webhook-signature: v1,<base64> [v1,<base64>…]` over `<id>.<timestamp>.<body>`,
 * keyed by the base64-decoded secret (shown to users as `whsec_<base64>`). Asymmetric `v1a` is ignored.
 */
function standardWebhooks({ secret, headers, body, nowMs }: SignatureInput): AuthReason | null {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const value = headers['webhook-signature'];
  if (!value) return 'missing_signature';
  if (!id) return 'missing_webhook_id';
  if (!ts) return 'missing_timestamp';
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  if (key.length === 0) return 'credential_invalid';
  const late = checkTimestamp(ts, nowMs);
  if (late) return late;
  const candidates: string[] = [];
  for (const sig of value.split(' ')) {
    const comma = sig.indexOf(',');
    if (comma > 0 && sig.slice(0, comma) === 'v1') candidates.push(sig.slice(comma + 1));
  }
  if (candidates.length === 0) return 'malformed_signature';
  return anyMatches(hmac('sha256', key, [`${id}.${ts}.`, body]), candidates, 'base64');
}

/** Slack: `X-Slack-Signature: v0=<hex>` over `v0:<X-Slack-Request-Timestamp>:<body>`. */
function slack({ secret, headers, body, nowMs }: SignatureInput): AuthReason | null {
  const value = headers['x-slack-signature'];
  const ts = headers['x-slack-request-timestamp'];
  if (!value) return 'missing_signature';
  if (!ts) return 'missing_timestamp';
  if (!value.startsWith('v0=')) return 'malformed_signature';
  const late = checkTimestamp(ts, nowMs);
  if (late) return late;
  return matches(hmac('sha256', secret, [`v0:${ts}:`, body]), value.slice(3), 'hex');
}

/** Any other sender: one header holding `[prefix]<digest>` of the body, in hex or base64. */
function custom(auth: HmacAuth, { secret, headers, body }: SignatureInput): AuthReason | null {
  const value = headers[signatureHeader(auth)]?.trim();
  if (!value) return 'missing_signature';
  const prefix = auth.prefix ?? '';
  if (!value.startsWith(prefix)) return 'malformed_signature';
  return matches(hmac(auth.algorithm ?? 'sha256', secret, [body]), value.slice(prefix.length), auth.encoding ?? 'hex');
}

function hmac(algorithm: Algorithm, key: string | Buffer, parts: (string | Buffer)[]): Buffer {
  const h = createHmac(algorithm, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

const HEX = /^[0-9a-fA-F]*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Strict decoding: Buffer.from would silently drop bad characters, and with them part of the check. */
function decode(value: string, encoding: Encoding): Buffer | undefined {
  if (encoding === 'hex') return value.length % 2 === 0 && HEX.test(value) ? Buffer.from(value, 'hex') : undefined;
  return BASE64.test(value) ? Buffer.from(value, 'base64') : undefined;
}

/** Constant-time comparison of digests; only the (public) digest length can short-cut it. */
function matches(expected: Buffer, provided: string, encoding: Encoding): AuthReason | null {
  const got = decode(provided.trim(), encoding);
  if (!got) return 'malformed_signature';
  return got.length === expected.length && timingSafeEqual(got, expected) ? null : 'signature_mismatch';
}

function anyMatches(expected: Buffer, provided: string[], encoding: Encoding): AuthReason | null {
  let reason: AuthReason = 'signature_mismatch';
  for (const p of provided) {
    const r = matches(expected, p, encoding);
    if (r === null) return null;
    if (r === 'malformed_signature' && provided.length === 1) reason = r;
  }
  return reason;
}

/** Unix seconds within TOLERANCE_SECONDS of now, in either direction (a replay or a forged future stamp). */
function checkTimestamp(value: string, nowMs: number): AuthReason | null {
  if (!/^\d{1,12}$/.test(value.trim())) return 'malformed_timestamp';
  const skew = Math.floor(nowMs / 1000) - Number(value.trim());
  if (skew > TOLERANCE_SECONDS) return 'timestamp_too_old';
  if (skew < -TOLERANCE_SECONDS) return 'timestamp_too_new';
  return null;
}
