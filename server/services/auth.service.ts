/** Owner setup, login/logout, sessions and API keys. Passwords: scrypt; tokens and keys: stored as sha256 only. */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { AppError } from '#shared/errors.ts';
import type { AuthRepo } from '../db/repos/auth.repo.ts';
import { iso, type Clock } from '../lib/clock.ts';
import { newId } from '../lib/ids.ts';
import { createRateLimiter } from '../lib/rate-limit.ts';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export type User = { id: string; email: string };
/** `apiKey` names the key a request came with (the audit log's actor). */
export type Principal = { user: User; via: 'session' | 'apiKey'; sessionId?: string; apiKey?: { id: string; label: string } };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem });
  return timingSafeEqual(actual, expected);
}

// A real hash to compare against when the account does not exist, so timing does not reveal accounts.
const DUMMY_HASH = hashPassword('not-a-real-password');

export function createAuthService(deps: { repo: AuthRepo; clock: Clock; sessionTtlMs: number; sessionMaxAgeMs?: number }) {
  const maxAgeMs = deps.sessionMaxAgeMs ?? 30 * 24 * 3600_000;
  const { repo, clock } = deps;
  const perAccount = createRateLimiter(10, 15 * 60_000);
  const perAddress = createRateLimiter(50, 15 * 60_000);

  async function newSession(userId: string): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    const expiresAt = now + deps.sessionTtlMs;
    await repo.insertSession({ id: sha256(token), user_id: userId, created_at: now, expires_at: expiresAt, last_seen_at: now });
    return { token, expiresAt };
  }

  const normalizeEmail = (e: string) => e.trim().toLowerCase();

  return {
    async needsSetup(): Promise<boolean> {
      return (await repo.countUsers()) === 0;
    },

    async setup(email: string, password: string) {
      if ((await repo.countUsers()) > 0) throw new AppError('CONFLICT', 'the owner account already exists; log in instead');
      const now = clock.now();
      const user = { id: newId('usr', now), email: normalizeEmail(email) };
      await repo.insertUser({ ...user, password_hash: await hashPassword(password), password_changed_at: now, created_at: now });
      return { user, session: await newSession(user.id) };
    },

    async login(email: string, password: string, address: string) {
      const now = clock.now();
      const account = normalizeEmail(email);
      const wait = Math.max(perAccount.blockedFor(account, now), perAddress.blockedFor(address, now));
      if (wait > 0) {
        throw new AppError('TOO_MANY_REQUESTS', 'too many login attempts; try again later', { headers: { 'Retry-After': String(Math.ceil(wait / 1000)) } });
      }
      const row = await repo.userByEmail(account);
      const ok = await verifyPassword(password, row?.password_hash ?? (await DUMMY_HASH));
      if (!row || !ok) {
        perAccount.hit(account, now);
        perAddress.hit(address, now);
        throw new AppError('UNAUTHORIZED', 'wrong email or password');
      }
      perAccount.reset(account);
      return { user: { id: row.id, email: row.email }, session: await newSession(row.id) };
    },

    /** Ends the session; returns whose it was (undefined: no such session, nothing ended). */
    async logout(sessionToken: string): Promise<User | undefined> {
      const id = sha256(sessionToken);
      const s = await repo.sessionById(id);
      await repo.deleteSession(id);
      const user = s && s.expires_at > clock.now() ? await repo.userById(s.user_id) : undefined;
      return user && { id: user.id, email: user.email };
    },

    /** Changes the password and revokes every session of the user (the caller logs in again). */
    async changePassword(userId: string, current: string, next: string) {
      const row = await repo.userById(userId);
      // A stolen session must not become an unlimited oracle for the current password: same per-account budget as login.
      const now = clock.now();
      const wait = row ? perAccount.blockedFor(row.email, now) : 0;
      if (wait > 0) throw new AppError('TOO_MANY_REQUESTS', 'too many attempts; try again later', { headers: { 'Retry-After': String(Math.ceil(wait / 1000)) } });
      if (!row || !(await verifyPassword(current, row.password_hash))) {
        if (row) perAccount.hit(row.email, now);
        throw new AppError('UNAUTHORIZED', 'the current password is wrong');
      }
      await repo.setPassword(userId, await hashPassword(next), clock.now());
      await repo.deleteSessionsOf(userId);
      return { user: { id: row.id, email: row.email }, session: await newSession(userId) };
    },

    async fromSession(token: string): Promise<Principal | undefined> {
      const id = sha256(token);
      const s = await repo.sessionById(id);
      const now = clock.now();
      if (!s) return undefined;
      // Idle past the TTL, or older than the absolute lifetime however busy: a stolen cookie ages out.
      if (s.expires_at <= now || now - s.created_at >= maxAgeMs) {
        await repo.deleteSession(id);
        return undefined;
      }
      const user = await repo.userById(s.user_id);
      if (!user) return undefined;
      // Sliding expiry, written at most once a minute.
      if (now - s.last_seen_at > 60_000) await repo.touchSession(id, now, Math.min(now + deps.sessionTtlMs, s.created_at + maxAgeMs));
      return { user: { id: user.id, email: user.email }, via: 'session', sessionId: id };
    },

    async fromApiKey(key: string): Promise<Principal | undefined> {
      const row = await repo.apiKeyByHash(sha256(key));
      if (!row) return undefined;
      const user = await repo.userById(row.user_id);
      if (!user) return undefined;
      const now = clock.now();
      if (!row.last_used_at || now - row.last_used_at > 60_000) await repo.touchApiKey(row.id, now);
      return { user: { id: user.id, email: user.email }, via: 'apiKey', apiKey: { id: row.id, label: row.label } };
    },

    async createApiKey(userId: string, label: string) {
      const now = clock.now();
      const key = `sy_${randomBytes(24).toString('base64url')}`;
      const id = newId('key', now);
      await repo.insertApiKey({ id, user_id: userId, label, prefix: key.slice(0, 7), key_hash: sha256(key), created_at: now, last_used_at: null });
      return { id, label, key, prefix: key.slice(0, 7), createdAt: iso(now) };
    },

    async listApiKeys(userId: string) {
      const rows = await repo.listApiKeys(userId);
      return rows.map((r) => ({ id: r.id, label: r.label, prefix: r.prefix, createdAt: iso(r.created_at), lastUsedAt: iso(r.last_used_at) }));
    },

    async deleteApiKey(userId: string, id: string) {
      if (!(await repo.deleteApiKey(userId, id))) throw new AppError('NOT_FOUND', `API key ${id} not found`);
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
