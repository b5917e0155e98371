/**
 * The audit log's API shapes (GET /api/audit): the actions recorded, the query the list takes, and
 * one entry as the server returns it. Shared by the server (parsing) and the editor (filters, table).
 */
import { z } from 'zod';

/**
 * Every action the server records, as `<subject>.<verb>`. `settings.changed` and the `bulk` hook
 * (services/audit.service.ts recordBulk) are reserved: there are no settings endpoints and no bulk
 * actions yet, and what they will record is fixed here so they cannot invent a shape of their own.
 */
export const AUDIT_ACTIONS = [
  'auth.setup',
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.password_changed',
  'auth.password_change_failed',
  'api_key.created',
  'api_key.deleted',
  'workflow.created',
  'workflow.imported',
  'workflow.saved',
  'workflow.activated',
  'workflow.deactivated',
  'workflow.deleted',
  'credential.created',
  'credential.changed',
  'credential.deleted',
  'variable.created',
  'variable.changed',
  'variable.deleted',
  'execution.started',
  'execution.retried',
  'execution.replayed',
  'execution.canceled',
  'execution.bulk',
  'settings.changed',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditActorType = z.enum(['user', 'api_key', 'anonymous']);
export type AuditActorType = z.infer<typeof AuditActorType>;

const IsoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-01-31T09:00:00Z' });

/**
 * `GET /api/audit` query. `actor` matches an actor's id (usr_…, key_…), name (email, key label) or
 * type (`anonymous`); `action` is one action or a subject with `.*` (`workflow.*`); `from` is
 * inclusive, `to` exclusive; `cursor` is the `nextCursor` of the page before.
 */
export const ListAuditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().regex(/^aud_[0-9a-z]{21}$/, 'must be a nextCursor from an earlier page').optional(),
    actor: z.string().trim().min(1).max(320).optional(),
    action: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]+|\.\*)$/, 'must be an action such as workflow.activated, or a subject with .* such as workflow.*')
      .optional(),
    from: IsoTime.optional(),
    to: IsoTime.optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: 'must be later than from', path: ['to'] });
export type ListAuditQuery = z.infer<typeof ListAuditQuery>;

export const AuditEntry = z.object({
  id: z.string(),
  /** ISO 8601. */
  at: z.string(),
  actor: z.object({ type: AuditActorType, id: z.string().nullable(), name: z.string() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  /** Small facts about the change (a version number, a credential's name and type); never secret values. */
  detail: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
export const AuditPage = z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPage>;
