/**
 * The shared queue's backlog (PostgreSQL, several processes): executions queued, due and not
 * leased by any worker, and when the oldest of them was created. One indexed statement
 * (executions_claimable), run at scrape time only.
 */
import { sql, type Kysely } from 'kysely';
import type { Schema } from '../schema.ts';

export function createQueueBacklogRepo(db: Kysely<Schema>) {
  return {
    async read(now: number): Promise<{ depth: number; oldestQueuedAt: number | null }> {
      const row = await db
        .selectFrom('executions')
        .select([sql<string>`count(*)`.as('depth'), sql<string | number | null>`min(created_at)`.as('oldest')])
        .where('status', '=', 'queued')
        .where('lease_owner', 'is', null)
        .where((eb) => eb.or([eb('wake_at', 'is', null), eb('wake_at', '<=', now)]))
        .executeTakeFirst();
      return { depth: Number(row?.depth ?? 0), oldestQueuedAt: row?.oldest == null ? null : Number(row.oldest) };
    },
  };
}
