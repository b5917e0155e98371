/** SQL for the outbox: mail captured when no SMTP server is configured. Newest first, capped in size. */
import type { Kysely } from 'kysely';
import type { OutboxTable, Schema } from '../schema.ts';

export type { OutboxTable };

export type OutboxRow = OutboxTable;

export function createOutboxRepo(db: Kysely<Schema>) {
  return {
    /**
     * Stores one mail unless one with the same Message-ID is already there (a step re-run after a
     * crash). Returns the stored row: the new one, or the earlier capture.
     */
    async capture(row: OutboxRow): Promise<OutboxRow> {
      await db
        .insertInto('outbox')
        .values(row)
        .onConflict((oc) => oc.column('message_id').doNothing())
        .execute();
      if (row.message_id === null) return row;
      return (await db.selectFrom('outbox').selectAll().where('message_id', '=', row.message_id).executeTakeFirst()) ?? row;
    },

    /** Ids sort by creation time, so the cursor is the last id seen. */
    async list(opts: { limit: number; before?: string }): Promise<OutboxRow[]> {
      let q = db.selectFrom('outbox').selectAll();
      if (opts.before) q = q.where('id', '<', opts.before);
      return q.orderBy('id', 'desc').limit(opts.limit).execute();
    },

    /** Keeps the newest `keep` mails. */
    async trim(keep: number): Promise<number> {
      const edge = await db.selectFrom('outbox').select('id').orderBy('id', 'desc').offset(keep).limit(1).executeTakeFirst();
      if (!edge) return 0;
      const r = await db.deleteFrom('outbox').where('id', '<=', edge.id).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type OutboxRepo = ReturnType<typeof createOutboxRepo>;
