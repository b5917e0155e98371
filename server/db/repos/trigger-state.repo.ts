/**
 * SQL for `trigger_state`: one JSON document per (workflow, trigger node) — a schedule's next run,
 * a poller's seen keys and errors. Writes that race another process are compare-and-set.
 * Portable Kysely except the batched swap, which reads its JSON parameter with SQLite's
 * json_each/json_extract or PostgreSQL's json_to_recordset. State stays text (never jsonb), so the compare is on the exact stored text.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Schema } from '../schema.ts';
import type { Dialect } from '../store.ts';

export type StateRow = { workflowId: string; nodeId: string; json: string; updatedAt: number };

/** One compare-and-set: replace `expect` (the exact stored text) with `next`. */
export type StateSwap = { workflowId: string; nodeId: string; expect: string; next: string };

export const stateKey = (workflowId: string, nodeId: string): string => `${workflowId}\u0000${nodeId}`;

/** Rows per UPDATE statement: keeps the JSON parameter a few MB at most. */
const SWAP_CHUNK = 2000;

/** One chunk of swaps as a single UPDATE … FROM, returning the rows that won. */
function swapSql(dialect: Dialect, chunkJson: string, at: number): RawBuilder<{ workflow_id: string; node_id: string }> {
  if (dialect === 'postgres') {
    // Under READ COMMITTED a row another transaction changed meanwhile is re-checked against
    // `t.state = j.e` on its new version, so of two racing swaps with one `expect` only one wins.
    return sql<{ workflow_id: string; node_id: string }>`
      UPDATE trigger_state t
         SET state = j.x, updated_at = ${at}
        FROM json_to_recordset(${chunkJson}::json) AS j(w text, n text, e text, x text)
       WHERE t.workflow_id = j.w AND t.node_id = j.n AND t.state = j.e
      RETURNING t.workflow_id, t.node_id`;
  }
  return sql<{ workflow_id: string; node_id: string }>`
    UPDATE trigger_state
       SET state = j.x, updated_at = ${at}
      FROM (SELECT json_extract(value, '$.w') AS w, json_extract(value, '$.n') AS n,
                   json_extract(value, '$.e') AS e, json_extract(value, '$.x') AS x
              FROM json_each(${chunkJson})) AS j
     WHERE trigger_state.workflow_id = j.w AND trigger_state.node_id = j.n AND trigger_state.state = j.e
    RETURNING trigger_state.workflow_id, trigger_state.node_id`;
}

export function createTriggerStateRepo(db: Kysely<Schema>, dialect: Dialect = 'sqlite') {
  return {
    async get(workflowId: string, nodeId: string): Promise<StateRow | undefined> {
      const row = await db
        .selectFrom('trigger_state')
        .selectAll()
        .where('workflow_id', '=', workflowId)
        .where('node_id', '=', nodeId)
        .executeTakeFirst();
      return row && { workflowId: row.workflow_id, nodeId: row.node_id, json: row.state, updatedAt: row.updated_at };
    },

    /** Every state row of these workflows, keyed by stateKey (a new trigger leader arms all at once). */
    async getMany(workflowIds: readonly string[]): Promise<Map<string, StateRow>> {
      const out = new Map<string, StateRow>();
      for (let i = 0; i < workflowIds.length; i += 500) {
        const rows = await db.selectFrom('trigger_state').selectAll().where('workflow_id', 'in', workflowIds.slice(i, i + 500)).execute();
        for (const r of rows) out.set(stateKey(r.workflow_id, r.node_id), { workflowId: r.workflow_id, nodeId: r.node_id, json: r.state, updatedAt: r.updated_at });
      }
      return out;
    },

    /** Inserts only when no row exists; false when another process got there first. */
    async insertIfAbsent(workflowId: string, nodeId: string, json: string, at: number): Promise<boolean> {
      const r = await db
        .insertInto('trigger_state')
        .values({ workflow_id: workflowId, node_id: nodeId, state: json, updated_at: at })
        .onConflict((oc) => oc.columns(['workflow_id', 'node_id']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    /**
     * The lease: each row is replaced only if it still holds exactly the text the caller last saw.
     * One UPDATE per chunk (SQLite runs each statement atomically under the write lock; PostgreSQL
     * row-locks and re-checks), so two processes can never both win the same swap. Returns the
     * keys that won.
     */
    async swapMany(swaps: readonly StateSwap[], at: number): Promise<Set<string>> {
      const won = new Set<string>();
      for (let i = 0; i < swaps.length; i += SWAP_CHUNK) {
        const chunk = swaps.slice(i, i + SWAP_CHUNK).map((s) => ({ w: s.workflowId, n: s.nodeId, e: s.expect, x: s.next }));
        const { rows } = await swapSql(dialect, JSON.stringify(chunk), at).execute(db);
        for (const r of rows) won.add(stateKey(r.workflow_id, r.node_id));
      }
      return won;
    },

    async swap(swap: StateSwap, at: number): Promise<boolean> {
      return (await this.swapMany([swap], at)).size === 1;
    },

    async deleteForWorkflow(workflowId: string): Promise<void> {
      await db.deleteFrom('trigger_state').where('workflow_id', '=', workflowId).execute();
    },
  };
}
export type TriggerStateRepo = ReturnType<typeof createTriggerStateRepo>;
