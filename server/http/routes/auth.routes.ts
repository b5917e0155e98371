/** Public auth routes: status, owner setup, login, logout. */
import { Router } from 'express';
import { ChangePassword, Credentials } from '#shared/api/schemas.ts';
import type { AuthService } from '../../services/auth.service.ts';
import { AppError } from '#shared/errors.ts';
import { authenticate, clearSessionCookie, isSameOrigin, readCookie, SESSION_COOKIE, setSessionCookie } from '../middleware/auth.ts';
import { parse } from '../parse.ts';

export function authRoutes(auth: AuthService, opts: { secureCookies: boolean; publicOrigin: string }): Router {
  const r = Router();
  r.get('/status', async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    const principal = token ? await auth.fromSession(token) : undefined;
    res.json({ needsSetup: await auth.needsSetup(), user: principal?.user ?? null });
  });
  r.post('/setup', async (req, res) => {
    const { email, password } = parse(Credentials, req.body);
    const { user, session } = await auth.setup(email, password);
    setSessionCookie(res, session.token, session.expiresAt, opts.secureCookies);
    res.status(201).json({ user });
  });
  r.post('/login', async (req, res) => {
    const { email, password } = parse(Credentials, req.body);
    const { user, session } = await auth.login(email, password, req.ip ?? 'unknown');
    setSessionCookie(res, session.token, session.expiresAt, opts.secureCookies);
    res.json({ user });
  });
  r.post('/logout', async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    // Logout is a cookie-authenticated write too: another site must not be able to end the session (CSRF).
    if (token && !isSameOrigin(req, opts.publicOrigin)) throw new AppError('FORBIDDEN', 'cross-origin request refused');
    if (token) await auth.logout(token);
    clearSessionCookie(res, opts.secureCookies);
    res.status(204).end();
  });
  r.post('/password', authenticate(auth, opts.publicOrigin), async (req, res) => {
    const body = parse(ChangePassword, req.body);
    const { user, session } = await auth.changePassword(req.principal!.user.id, body.currentPassword, body.newPassword);
    setSessionCookie(res, session.token, session.expiresAt, opts.secureCookies);
    res.json({ user });
  });
  r.get('/me', authenticate(auth, opts.publicOrigin), (req, res) => {
    res.json({ user: req.principal!.user });
  });
  return r;
}
