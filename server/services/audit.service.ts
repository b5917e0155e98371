/**
 * The audit log: one row per change a person or an API key made, written in the request that made
 * it, after the change succeeded (a failed login is itself the change). A failed audit write is
 * logged at error and does not fail the action: the change is already committed, and a 500 would
 * tell the user it was not. Webhooks, schedules and polls are not audited (no person acted), so
 * nothing here is on their path.
 */
import type { AuditAction, AuditActorType, AuditEntry, AuditPage, ListAuditQuery } from '#shared/api/audit.ts';
import type { AuditRepo, AuditRow } from '../db/repos/audit.repo.ts';
import { iso, type Clock } from '../lib/clock.ts';
import { newOrderedId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';

export type AuditActor = { type: AuditActorType; id: string | null; name: string };

/** Who acted, and from where: built once per request (http/audit-context.ts). */
export type AuditContext = { actor: AuditActor; ip: string | null; requestId: string | null };

export type AuditTarget = { type: 'workflow' | 'credential' | 'variable' | 'api_key' | 'user' | 'execution' | 'bulk_job' | 'settings'; id: string };

export type AuditEvent = {
  action: AuditAction;
  target?: AuditTarget;
  /** Small facts (a version, a name, a type). Never secret values: callers pass names and types only. */
  detail?: Record<string, unknown>;
};

/** Longest detail JSON kept; a larger one is replaced by a marker (a detail is facts, not payloads). */
export const MAX_DETAIL_CHARS = 2000;
const MAX_QUIET_KEYS = 10_000;
/** Keys a detail never carries, whatever a caller passes: a value under one of these is dropped before the write. */
const SECRET_KEY = /pass(word)?|secret|token|^data$|^value$|^key$/i;

function detailJson(detail: Record<string, unknown> | undefined): string {
  const kept = Object.fromEntries(Object.entries(detail ?? {}).filter(([k]) => !SECRET_KEY.test(k)));
  const json = JSON.stringify(kept);
  return json.length <= MAX_DETAIL_CHARS ? json : JSON.stringify({ truncated: true });
}

function toEntry(row: AuditRow): AuditEntry {
  let detail: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.detail);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) detail = parsed as Record<string, unknown>;
  } catch {
    // Only this service writes the column (always JSON); a row edited by hand shows an empty detail rather than failing the page.
  }
  return {
    id: row.id,
    at: iso(row.at)!,
    actor: { type: row.actor_type as AuditActorType, id: row.actor_id, name: row.actor_name },
    action: row.action,
    target: row.target_type && row.target_id ? { type: row.target_type, id: row.target_id } : null,
    detail,
    ip: row.ip,
    requestId: row.request_id,
  };
}

export function createAuditService(deps: { repo: AuditRepo; clock: Clock; logger: Logger }) {
  const log = deps.logger.child({ component: 'audit' });

  function row(ctx: AuditContext, event: AuditEvent, at: number, id = newOrderedId('aud', at)): AuditRow {
    return {
      id,
      at,
      actor_type: ctx.actor.type,
      actor_id: ctx.actor.id,
      actor_name: ctx.actor.name,
      action: event.action,
      target_type: event.target?.type ?? null,
      target_id: event.target?.id ?? null,
      detail: detailJson(event.detail),
      ip: ctx.ip,
      request_id: ctx.requestId,
    };
  }

  async function write(rows: AuditRow[]): Promise<void> {
    try {
      await deps.repo.insert(rows);
    } catch (err) {
      // Logged, not thrown: see the header. The fields say what was lost, so it can be re-entered by hand.
      for (const r of rows) {
        log.error('audit write failed', { err: String(err), action: r.action, actorId: r.actor_id, targetType: r.target_type, targetId: r.target_id, at: r.at });
      }
    }
  }

  /** When each `once` key last wrote a row (bounded: cleared whole when it grows past MAX_QUIET_KEYS). */
  const lastWritten = new Map<string, number>();

  return {
    /**
     * Records one change. Never throws (a failed write is logged). With `once`, a second event of the
     * same key within `ms` is not written: refused logins past the rate limit would otherwise let
     * anyone grow the table one row per request.
     */
    record(ctx: AuditContext, event: AuditEvent, once?: { key: string; ms: number }): Promise<void> {
      const at = deps.clock.now();
      if (once) {
        const last = lastWritten.get(once.key);
        if (last !== undefined && at - last < once.ms) return Promise.resolve();
        if (lastWritten.size >= MAX_QUIET_KEYS) lastWritten.clear();
        lastWritten.set(once.key, at);
      }
      return write([row(ctx, event, at)]);
    },

    /**
     * The hook for bulk actions (none exist yet): one row per target, each with the same action as a
     * single change would record, and `detail.bulk = {id, size}` tying the rows of one request
     * together (id is the first row's), so filters by action or target keep working for bulk changes.
     */
    async recordBulk(ctx: AuditContext, event: Omit<AuditEvent, 'target'>, targets: AuditTarget[]): Promise<void> {
      if (!targets.length) return;
      const at = deps.clock.now();
      const ids = targets.map(() => newOrderedId('aud', at));
      const detail = { ...event.detail, bulk: { id: ids[0], size: targets.length } };
      await write(targets.map((target, i) => row(ctx, { ...event, target, detail }, at, ids[i])));
    },

    async list(q: ListAuditQuery): Promise<AuditPage> {
      const { rows, nextCursor } = await deps.repo.list({
        limit: q.limit,
        ...(q.cursor ? { cursor: q.cursor } : {}),
        ...(q.actor ? { actor: q.actor } : {}),
        ...(q.action ? { action: q.action.endsWith('.*') ? { prefix: q.action.slice(0, -1) } : { exact: q.action } } : {}),
        ...(q.from ? { from: Date.parse(q.from) } : {}),
        ...(q.to ? { to: Date.parse(q.to) } : {}),
      });
      return { items: rows.map(toEntry), nextCursor };
    },

    /** Deletes rows older than `olderThan` (ms since the epoch); the pruner calls it. */
    prune: (olderThan: number): Promise<number> => deps.repo.prune(olderThan),
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
