/** Webhook token lookups and the editor's captured samples ("listen for test event"). */
import type { Kysely } from 'kysely';
import type { Schema } from '../schema.ts';

export type HookRow = { workflowId: string; nodeId: string; active: boolean; version: number; nodes: string };

export function createHookRepo(db: Kysely<Schema>) {
  return {
    async byToken(token: string): Promise<HookRow | undefined> {
      const row = await db
        .selectFrom('webhook_tokens as t')
        .innerJoin('workflows as w', 'w.id', 't.workflow_id')
        .select(['t.workflow_id', 't.node_id', 'w.active', 'w.version', 'w.nodes'])
        .where('t.token', '=', token)
        .executeTakeFirst();
      return row && { workflowId: row.workflow_id, nodeId: row.node_id, active: row.active === 1, version: row.version, nodes: row.nodes };
    },
    async listen(workflowId: string, nodeId: string, until: number): Promise<void> {
      await db
        .insertInto('node_samples')
        .values({ workflow_id: workflowId, node_id: nodeId, sample: null, captured_at: null, listening_until: until })
        .onConflict((oc) => oc.columns(['workflow_id', 'node_id']).doUpdateSet({ listening_until: until }))
        .execute();
    },
    async sample(workflowId: string, nodeId: string) {
      return db
        .selectFrom('node_samples')
        .selectAll()
        .where('workflow_id', '=', workflowId)
        .where('node_id', '=', nodeId)
        .executeTakeFirst();
    },
    async saveSample(workflowId: string, nodeId: string, sample: string, at: number): Promise<void> {
      await db
        .insertInto('node_samples')
        .values({ workflow_id: workflowId, node_id: nodeId, sample, captured_at: at, listening_until: null })
        .onConflict((oc) => oc.columns(['workflow_id', 'node_id']).doUpdateSet({ sample, captured_at: at, listening_until: null }))
        .execute();
    },
  };
}
export type HookRepo = ReturnType<typeof createHookRepo>;
