/** SQL for users, sessions and API keys. Secrets arrive already hashed. */
import type { Kysely } from 'kysely';
import type { Schema } from '../schema.ts';

export function createAuthRepo(db: Kysely<Schema>) {
  return {
    countUsers: async () => Number((await db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    userByEmail: (email: string) => db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst(),
    userById: (id: string) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    insertUser: (u: Schema['users']) => db.insertInto('users').values(u).execute(),
    setPassword: (id: string, hash: string, at: number) =>
      db.updateTable('users').set({ password_hash: hash, password_changed_at: at }).where('id', '=', id).execute(),

    insertSession: (s: Schema['sessions']) => db.insertInto('sessions').values(s).execute(),
    sessionById: (id: string) => db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst(),
    touchSession: (id: string, at: number, expiresAt: number) =>
      db.updateTable('sessions').set({ last_seen_at: at, expires_at: expiresAt }).where('id', '=', id).execute(),
    deleteSession: (id: string) => db.deleteFrom('sessions').where('id', '=', id).execute(),
    deleteSessionsOf: (userId: string) => db.deleteFrom('sessions').where('user_id', '=', userId).execute(),
    deleteExpiredSessions: (now: number) => db.deleteFrom('sessions').where('expires_at', '<', now).execute(),

    insertApiKey: (k: Schema['api_keys']) => db.insertInto('api_keys').values(k).execute(),
    apiKeyByHash: (hash: string) => db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst(),
    listApiKeys: (userId: string) =>
      db.selectFrom('api_keys').select(['id', 'label', 'prefix', 'created_at', 'last_used_at']).where('user_id', '=', userId).orderBy('id', 'desc').execute(),
    deleteApiKey: async (userId: string, id: string) =>
      Number((await db.deleteFrom('api_keys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()).numDeletedRows) > 0,
    touchApiKey: (id: string, at: number) => db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute(),
  };
}
export type AuthRepo = ReturnType<typeof createAuthRepo>;
