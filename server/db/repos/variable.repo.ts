/** SQL for workspace variables. Rows in and out as stored: sealing and every rule live in variable.service.ts. */
import type { Kysely } from 'kysely';
import type { Schema, VariablesTable } from '../schema.ts';

export type VariableRow = VariablesTable;

export function createVariableRepo(db: Kysely<Schema>) {
  return {
    /** Every variable, by name (a workspace has tens of them, not thousands: one read fills the cache). */
    list: (): Promise<VariableRow[]> => db.selectFrom('variables').selectAll().orderBy('name').execute(),

    get: (name: string): Promise<VariableRow | undefined> => db.selectFrom('variables').selectAll().where('name', '=', name).executeTakeFirst(),

    /** false: the name is taken. */
    async insert(row: VariableRow): Promise<boolean> {
      const r = await db.insertInto('variables').values(row).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async update(row: VariableRow): Promise<boolean> {
      const r = await db
        .updateTable('variables')
        .set({ secret: row.secret, value: row.value, updated_at: row.updated_at })
        .where('name', '=', row.name)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async delete(name: string): Promise<boolean> {
      const r = await db.deleteFrom('variables').where('name', '=', name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
export type VariableRepo = ReturnType<typeof createVariableRepo>;
