/** Who made a request, for the audit log: the signed-in user, the API key, or `anonymous` (failed logins). */
import type { Request } from 'express';
import type { AuditActor, AuditContext, AuditEvent, AuditService } from '../services/audit.service.ts';

/** A client's or proxy's X-Request-Id, kept when it looks like an id (anything else is not worth storing). */
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export function auditContext(req: Request, actor?: AuditActor): AuditContext {
  const p = req.principal;
  const who: AuditActor =
    actor ??
    (p?.apiKey
      ? { type: 'api_key', id: p.apiKey.id, name: p.apiKey.label }
      : p
        ? { type: 'user', id: p.user.id, name: p.user.email }
        : { type: 'anonymous', id: null, name: 'anonymous' });
  const header = req.headers['x-request-id'];
  return { actor: who, ip: req.ip ?? null, requestId: typeof header === 'string' && REQUEST_ID.test(header) ? header : null };
}

/**
 * Records `event` for the request, as `actor` when given (login: before a principal exists), at most
 * once per `once.key` within `once.ms`. Never throws.
 */
export type Audit = (req: Request, event: AuditEvent, actor?: AuditActor, once?: { key: string; ms: number }) => Promise<void>;

export function auditFor(audit: AuditService): Audit {
  return (req, event, actor, once) => audit.record(auditContext(req, actor), event, once);
}

export const userActor = (user: { id: string; email: string }): AuditActor => ({ type: 'user', id: user.id, name: user.email });
