/** Execution lists (cursor-paginated) and retention pruning. */
import { sql, type Kysely } from 'kysely';
import type { ExecutionSummary } from '#shared/execution.ts';
import type { Schema } from '../schema.ts';
import type { Dialect, ExecutionRow, Store } from '../store.ts';
import { indexable, textMatch } from './execution-search.ts';

export type ExecutionListQuery = {
  workflowId?: string;
  status?: string;
  mode?: string;
  /** created_at in milliseconds: from inclusive, to exclusive. */
  from?: number;
  to?: number;
  /** Text the trigger event or a step output contains (execution-search.ts). */
  q?: string;
  cursor?: string;
  limit: number;
};

/** `search`: the full-text index's reader (Store.search), used for `q` once it is built. */
export function createExecutionQueryRepo(db: Kysely<Schema>, toSummary: (row: ExecutionRow, name?: string) => ExecutionSummary, dialect: Dialect, search?: Store['search']) {
  return {
    /** Newest first. Ids sort by creation time, so the cursor is the last id seen. */
    async list(q: ExecutionListQuery): Promise<{ items: ExecutionSummary[]; nextCursor: string | null }> {
      const indexed = !!q.q && !!search && indexable(q.q) && search.isReady();
      let query = (indexed ? search!.kysely : db)
        .selectFrom('executions')
        .leftJoin('workflows', 'workflows.id', 'executions.workflow_id')
        .selectAll('executions')
        .select('workflows.name as workflow_name');
      // With a text query the search index is by far the most selective: on SQLite, `+column` keeps
      // the planner from scanning a workflow's (or the unfinished) index and probing the matches
      // instead of looking the few matches up (measured: 25 ms → 2 ms on 100,000 executions).
      const unindexed = q.q && dialect === 'sqlite';
      const workflowCol = unindexed ? sql<string>`+executions.workflow_id` : sql.ref<string>('executions.workflow_id');
      const statusCol = unindexed ? sql<string>`+executions.status` : sql.ref<string>('executions.status');
      if (q.workflowId) query = query.where(workflowCol, '=', q.workflowId);
      if (q.status) query = query.where(statusCol, '=', q.status);
      if (q.mode) query = query.where('executions.mode', '=', q.mode);
      if (q.from !== undefined) query = query.where('executions.created_at', '>=', q.from);
      if (q.to !== undefined) query = query.where('executions.created_at', '<', q.to);
      if (q.q) query = query.where(textMatch(dialect, q.q, indexed));
      if (q.cursor) query = query.where('executions.id', '<', q.cursor);
      const rows = await query.orderBy('executions.id', 'desc').limit(q.limit + 1).execute();
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((r) => toSummary(r as ExecutionRow, r.workflow_name ?? undefined)),
        nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
      };
    },

    /** The executions a flow.call of this one started, oldest first (the detail page links them). */
    async children(parentId: string): Promise<ExecutionSummary[]> {
      const rows = await db
        .selectFrom('executions')
        .leftJoin('workflows', 'workflows.id', 'executions.workflow_id')
        .selectAll('executions')
        .select('workflows.name as workflow_name')
        .where('executions.parent_execution_id', '=', parentId)
        .orderBy('executions.id')
        .limit(200)
        .execute();
      return rows.map((r) => toSummary(r as ExecutionRow, r.workflow_name ?? undefined));
    },

    /** Latest execution per workflow, for the workflow list: one query (ids sort by creation time). */
    async latestFor(workflowIds: string[]): Promise<Map<string, ExecutionRow>> {
      const out = new Map<string, ExecutionRow>();
      if (!workflowIds.length) return out;
      const rows = await db
        .selectFrom('executions')
        .selectAll()
        .where('id', 'in', (eb) =>
          eb.selectFrom('executions').select((e) => e.fn.max('id').as('id')).where('workflow_id', 'in', workflowIds).groupBy('workflow_id'),
        )
        .execute();
      for (const row of rows) out.set(row.workflow_id, row as ExecutionRow);
      return out;
    },

    /**
     * Deletes finished executions older than `olderThan` and beyond `keepPerWorkflow` per workflow
     * (steps cascade), then idempotency keys past their window. Returns how many executions went.
     */
    async prune(opts: { olderThan: number; keepPerWorkflow: number; idempotencyOlderThan: number; batch?: number }): Promise<number> {
      const batch = opts.batch ?? 2000;
      let deleted = 0;
      for (;;) {
        const r = await sql<{ n: number }>`
          DELETE FROM executions WHERE id IN (
            SELECT id FROM executions
            WHERE status IN ('success', 'error', 'canceled') AND created_at < ${opts.olderThan}
            LIMIT ${batch})`.execute(db);
        const n = Number(r.numAffectedRows ?? 0);
        deleted += n;
        if (n < batch) break;
      }
      const over = await db
        .selectFrom('executions')
        .select(['workflow_id', sql<number>`count(*)`.as('n')])
        .groupBy('workflow_id')
        .having(sql`count(*)`, '>', opts.keepPerWorkflow)
        .execute();
      for (const { workflow_id } of over) {
        const r = await sql`
          DELETE FROM executions WHERE workflow_id = ${workflow_id}
            AND status IN ('success', 'error', 'canceled')
            AND id < (SELECT id FROM executions WHERE workflow_id = ${workflow_id}
                      ORDER BY id DESC LIMIT 1 OFFSET ${opts.keepPerWorkflow - 1})`.execute(db);
        deleted += Number(r.numAffectedRows ?? 0);
      }
      await db.deleteFrom('idempotency_keys').where('created_at', '<', opts.idempotencyOlderThan).execute();
      return deleted;
    },
  };
}
export type ExecutionQueryRepo = ReturnType<typeof createExecutionQueryRepo>;
