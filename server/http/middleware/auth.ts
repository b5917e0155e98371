/** Session cookie or API key on every /api route but the public ones; same-origin check for cookie writes (CSRF). */
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '#shared/errors.ts';
import type { AuthService, Principal } from '../../services/auth.service.ts';

export const SESSION_COOKIE = 'sy_session';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined; // a malformed %-escape is a forged cookie: no session, not a 500
      }
    }
  }
  return undefined;
}

export function setSessionCookie(res: Response, token: string, expiresAt: number, secure: boolean): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/', expires: new Date(expiresAt) });
}
export function clearSessionCookie(res: Response, secure: boolean): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
}

/** A cookie-authenticated write must come from our own origin (Origin, else Sec-Fetch-Site, else Referer). */
export function isSameOrigin(req: Request, publicOrigin: string): boolean {
  const host = req.headers.host;
  const allowed = new Set([publicOrigin, ...(host ? [`http://${host}`, `https://${host}`] : [])]);
  const origin = req.headers.origin;
  if (origin) return allowed.has(origin);
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const referer = req.headers.referer;
  if (referer) {
    try {
      return allowed.has(new URL(referer).origin);
    } catch {
      return false; // an unparsable Referer proves nothing
    }
  }
  return false;
}

export function authenticate(auth: AuthService, publicOrigin: string): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const principal = m ? await auth.fromApiKey(m[1]!) : undefined;
      if (!principal) throw new AppError('UNAUTHORIZED', 'invalid API key');
      req.principal = principal;
      return next();
    }
    const token = readCookie(req, SESSION_COOKIE);
    const principal = token ? await auth.fromSession(token) : undefined;
    if (!principal) throw new AppError('UNAUTHORIZED', 'log in or send an API key (Authorization: Bearer …)');
    if (!SAFE.has(req.method) && !isSameOrigin(req, publicOrigin)) {
      throw new AppError('FORBIDDEN', 'cross-origin request refused');
    }
    req.principal = principal;
    next();
  };
}
