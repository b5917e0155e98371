/** SQL for the audit log: append, list newest first by id (the cursor), prune by age. No update, no delete by id. */
import { sql, type Kysely } from 'kysely';
import type { AuditLogTable, Schema } from '../schema.ts';

export type AuditRow = AuditLogTable;

export type AuditListQuery = {
  limit: number;
  cursor?: string;
  /** Matches actor_id, actor_name or actor_type exactly. */
  actor?: string;
  /** One action exactly, or every action starting with this prefix (e.g. `workflow.`). */
  action?: { exact: string } | { prefix: string };
  /** Milliseconds: from inclusive, to exclusive. */
  from?: number;
  to?: number;
};

export function createAuditRepo(db: Kysely<Schema>) {
  return {
    async insert(rows: AuditRow[]): Promise<void> {
      if (rows.length) await db.insertInto('audit_log').values(rows).execute();
    },

    /** Newest first; ids sort by creation time, so the cursor is the last id of the page before. */
    async list(q: AuditListQuery): Promise<{ rows: AuditRow[]; nextCursor: string | null }> {
      let query = db.selectFrom('audit_log').selectAll();
      if (q.cursor) query = query.where('id', '<', q.cursor);
      if (q.actor) {
        const actor = q.actor;
        query = query.where((eb) => eb.or([eb('actor_id', '=', actor), eb('actor_name', '=', actor), eb('actor_type', '=', actor)]));
      }
      const action = q.action;
      if (action && 'exact' in action) query = query.where('action', '=', action.exact);
      // substr, not LIKE: `_` is a LIKE wildcard (api_key.) and SQLite's LIKE ignores case; substr means the same in both dialects.
      else if (action) query = query.where(sql`substr(action, 1, ${sql.lit(action.prefix.length)})`, '=', action.prefix);
      if (q.from !== undefined) query = query.where('at', '>=', q.from);
      if (q.to !== undefined) query = query.where('at', '<', q.to);
      const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
      const page = rows.slice(0, q.limit);
      return { rows: page, nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null };
    },

    /** Deletes rows older than `olderThan` (ms); returns how many went. */
    async prune(olderThan: number): Promise<number> {
      const r = await db.deleteFrom('audit_log').where('at', '<', olderThan).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type AuditRepo = ReturnType<typeof createAuditRepo>;
