/**
 * The webhook authenticator plugged into webhook.service: header, basic and HMAC auth against
 * credentials from the vault. Returns a short reason code when a request is refused, else null.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { WebhookAuth } from '#shared/nodes/trigger-webhook.ts';
import type { Clock } from '../lib/clock.ts';
import type { HookAuthenticator } from './webhook.service.ts';
import { signatureHeader, verifySignature, type AuthReason } from './webhook-signatures.ts';

/** What the authenticator needs from the credentials vault (credential.service satisfies it). */
export type SecretSource = {
  reveal(credentialId: string): Promise<{ type: string; data: Record<string, unknown> } | undefined>;
};

export type WebhookAuthenticator = {
  authenticate: HookAuthenticator;
  /** Drops cached secrets (all, or one credential's) after a credential is changed or deleted. */
  forget(credentialId?: string): void;
};

type Revealed = { type: string; data: Record<string, unknown> } | undefined;

/**
 * @param cacheMs how long a revealed secret is reused: decrypting on every delivery would make
 * signed hooks pay a vault read each; a few seconds bounds how long a rotated secret lingers.
 */
export function createWebhookAuthenticator(deps: { secrets: SecretSource; clock: Clock; cacheMs?: number }): WebhookAuthenticator {
  const cacheMs = deps.cacheMs ?? 5_000;
  const cache = new Map<string, { at: number; value: Revealed }>();

  async function reveal(id: string): Promise<Revealed> {
    const now = deps.clock.now();
    const hit = cache.get(id);
    if (hit && now - hit.at < cacheMs) return hit.value;
    const value = await deps.secrets.reveal(id);
    if (cache.size > 10_000) cache.clear(); // bounded: only ids named by hook configs ever land here
    cache.set(id, { at: now, value });
    return value;
  }

  async function check(auth: WebhookAuth, headers: Record<string, string>, body: Buffer): Promise<AuthReason | null> {
    if (auth.type === 'none') return null;
    let cred: Revealed;
    try {
      cred = await reveal(auth.credentialId);
    } catch {
      // A vault failure (bad key, corrupt row) must refuse the request, never let it through.
      return 'credential_invalid';
    }
    if (!cred) return 'credential_not_found';
    if (auth.type === 'basic') {
      if (cred.type !== 'httpBasic') return 'credential_wrong_type';
      return basic(headers.authorization, str(cred.data.username), str(cred.data.password));
    }
    if (cred.type !== 'webhookSecret') return 'credential_wrong_type';
    const secret = str(cred.data.secret);
    if (!secret) return 'credential_invalid';
    if (auth.type === 'header') return header(headers[auth.name.toLowerCase()], secret);
    return verifySignature(auth, { secret, headers, body, nowMs: deps.clock.now() });
  }

  return {
    authenticate: (auth, req) => check(auth, req.headers, req.rawBody),
    forget(id) {
      if (id === undefined) cache.clear();
      else cache.delete(id);
    },
  };
}

/** Header auth: the named header holds the secret (a `Bearer ` prefix is tolerated). */
function header(value: string | undefined, secret: string): AuthReason | null {
  if (!value) return 'missing_credentials';
  const ok = safeEqual(value, secret) || (value.startsWith('Bearer ') && safeEqual(value.slice(7), secret));
  return ok ? null : 'bad_credentials';
}

function basic(value: string | undefined, username: string, password: string): AuthReason | null {
  const m = value && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value);
  if (!m) return 'missing_credentials';
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'bad_credentials';
  // Both halves are always compared, so timing says nothing about which one was wrong.
  const userOk = safeEqual(decoded.slice(0, colon), username);
  const passOk = safeEqual(decoded.slice(colon + 1), password);
  return userOk && passOk && username !== '' ? null : 'bad_credentials';
}

/** Constant time regardless of where (or whether) the strings differ, lengths included. */
function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Headers whose values are secrets (or replayable signatures) for this hook's auth: masked when shown. */
export function secretHeaderNames(auth: WebhookAuth): string[] {
  if (auth.type === 'header') return [auth.name.toLowerCase()];
  if (auth.type === 'hmac') return [signatureHeader(auth)];
  return [];
}
