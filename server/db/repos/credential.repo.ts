/**
 * SQL for credentials (ciphertext rows) and the vault's key bookkeeping. Rows in and out as they are
 * stored: encryption and every rule live in credential.service.ts.
 */
import type { Kysely } from 'kysely';
import type { CredentialsTable, Schema, VaultMetaTable } from '../schema.ts';

export type { CredentialsTable, VaultMetaTable };

export type CredentialRow = CredentialsTable;

export function createCredentialRepo(db: Kysely<Schema>) {
  return {
    async get(id: string): Promise<CredentialRow | undefined> {
      return db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Every credential without its ciphertext, by name. */
    async list(): Promise<Omit<CredentialRow, 'data'>[]> {
      return db
        .selectFrom('credentials')
        .select(['id', 'name', 'type', 'fields', 'created_at', 'updated_at'])
        .orderBy('name')
        .orderBy('id')
        .execute();
    },

    async insert(row: CredentialRow): Promise<void> {
      await db.insertInto('credentials').values(row).execute();
    },

    async update(row: Pick<CredentialRow, 'id' | 'name' | 'fields' | 'data' | 'updated_at'>): Promise<boolean> {
      const r = await db
        .updateTable('credentials')
        .set({ name: row.name, fields: row.fields, data: row.data, updated_at: row.updated_at })
        .where('id', '=', row.id)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom('credentials').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async count(): Promise<number> {
      const r = await db.selectFrom('credentials').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },

    /** Key bookkeeping (key check value, KDF salt), as `KeyMetaStore` in adapters/crypto.ts expects. */
    meta: {
      async get(name: string): Promise<string | undefined> {
        const r = await db.selectFrom('vault_meta').select('value').where('name', '=', name).executeTakeFirst();
        return r?.value;
      },
      async set(name: string, value: string): Promise<void> {
        await db
          .insertInto('vault_meta')
          .values({ name, value })
          .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
          .execute();
      },
      // Secret variables are sealed with the same key (variable.service.ts).
      hasSealedData: async (): Promise<boolean> =>
        (await db.selectFrom('credentials').select('id').limit(1).executeTakeFirst()) !== undefined ||
        (await db.selectFrom('variables').select('name').where('secret', '=', 1).limit(1).executeTakeFirst()) !== undefined,
    },
  };
}
export type CredentialRepo = ReturnType<typeof createCredentialRepo>;
