/** Public auth routes: status, owner setup, login, logout; and the password change. Each change is audited, failed logins too. */
import { Router } from 'express';
import { ChangePassword, Credentials } from '#shared/api/schemas.ts';
import type { AuthService } from '../../services/auth.service.ts';
import { AppError } from '#shared/errors.ts';
import { authenticate, clearSessionCookie, isSameOrigin, readCookie, SESSION_COOKIE, setSessionCookie } from '../middleware/auth.ts';
import { userActor, type Audit } from '../audit-context.ts';
import { parse } from '../parse.ts';

/** Why a login or password check failed, in the audit log's words (the error codes the service throws). */
const failure = (err: unknown) =>
  err instanceof AppError && err.code === 'TOO_MANY_REQUESTS' ? 'rate_limited' : err instanceof AppError && err.code === 'UNAUTHORIZED' ? 'wrong_credentials' : undefined;

/** How often a refused-by-rate-limit login is recorded per address (the limiter's own window). */
const RATE_LIMITED_QUIET_MS = 15 * 60_000;

export function authRoutes(auth: AuthService, audit: Audit, opts: { secureCookies: boolean; publicOrigin: string }): Router {
  const r = Router();
  r.get('/status', async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    const principal = token ? await auth.fromSession(token) : undefined;
    res.json({ needsSetup: await auth.needsSetup(), user: principal?.user ?? null });
  });
  r.post('/setup', async (req, res) => {
    const { email, password } = parse(Credentials, req.body);
    const { user, session } = await auth.setup(email, password);
    await audit(req, { action: 'auth.setup', target: { type: 'user', id: user.id } }, userActor(user));
    setSessionCookie(res, session.token, session.expiresAt, opts.secureCookies);
    res.status(201).json({ user });
  });
  r.post('/login', async (req, res) => {
    const { email, password } = parse(Credentials, req.body);
    const result = await auth.login(email, password, req.ip ?? 'unknown').catch(async (err: unknown) => {
      const reason = failure(err);
      // The email as tried (it passed the email check, so it is not a password typed in the wrong field); never the password.
      // Past the rate limit, one row per address per window: each refused request must not add a row.
      const once = reason === 'rate_limited' ? { key: `login:${req.ip}`, ms: RATE_LIMITED_QUIET_MS } : undefined;
      if (reason) await audit(req, { action: 'auth.login_failed', detail: { reason } }, { type: 'anonymous', id: null, name: email.toLowerCase() }, once);
      throw err;
    });
    const { user, session } = result;
    await audit(req, { action: 'auth.login', target: { type: 'user', id: user.id } }, userActor(user));
    setSessionCookie(res, session.token, session.expiresAt, opts.secureCookies);
    res.json({ user });
  });
  r.post('/logout', async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    // Logout is a cookie-authenticated write too: another site must not be able to end the session (CSRF).
    if (token && !isSameOrigin(req, opts.publicOrigin)) throw new AppError('FORBIDDEN', 'cross-origin request refused');
    const user = token ? await auth.logout(token) : undefined;
    if (user) await audit(req, { action: 'auth.logout', target: { type: 'user', id: user.id } }, userActor(user));
    clearSessionCookie(res, opts.secureCookies);
    res.status(204).end();
  });
  r.post('/password', authenticate(auth, opts.publicOrigin), async (req, res) => {
    const body = parse(ChangePassword, req.body);
    const target = { type: 'user', id: req.principal!.user.id } as const;
    const { user, session } = await auth.changePassword(target.id, body.currentPassword, body.newPassword).catch(async (err: unknown) => {
      const reason = failure(err);
      const once = reason === 'rate_limited' ? { key: `password:${target.id}`, ms: RATE_LIMITED_QUIET_MS } : undefined;
      if (reason) await audit(req, { action: 'auth.password_change_failed', target, detail: { reason } }, undefined, once);
      throw err;
    });
    await audit(req, { action: 'auth.password_changed', target });
    setSessionCookie(res, session.token, session.expiresAt, opts.secureCookies);
    res.json({ user });
  });
  r.get('/me', authenticate(auth, opts.publicOrigin), (req, res) => {
    res.json({ user: req.principal!.user });
  });
  return r;
}
