/** Bulk jobs and the executions they act on: the filter as SQL, pages by id (newest first), progress. */
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { BulkFilter } from '#shared/api/bulk.ts';
import type { BulkJobsTable, Schema } from '../schema.ts';
import type { Selectable } from 'kysely';

export type BulkJobRow = Selectable<BulkJobsTable>;

export function createBulkJobRepo(db: Kysely<Schema>) {
  const matching = <O>(q: SelectQueryBuilder<Schema, 'executions', O>, f: BulkFilter) => {
    let out = q;
    if (f.workflowId) out = out.where('workflow_id', '=', f.workflowId);
    if (f.status) out = out.where('status', '=', f.status);
    if (f.from) out = out.where('created_at', '>=', Date.parse(f.from));
    if (f.to) out = out.where('created_at', '<', Date.parse(f.to));
    return out;
  };
  return {
    /** How many executions match, and the newest one's id (the job acts on nothing newer). */
    async snapshot(f: BulkFilter): Promise<{ total: number; uptoId: string | null }> {
      const row = await matching(db.selectFrom('executions').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('id').as('upto')]), f).executeTakeFirst();
      return { total: Number(row?.n ?? 0), uptoId: (row?.upto as string | null | undefined) ?? null };
    },
    /** The next ids to act on: matching, at most `uptoId`, below `cursor`, newest first. */
    async page(f: BulkFilter, uptoId: string, cursor: string | null, limit: number): Promise<string[]> {
      let q = matching(db.selectFrom('executions').select('id'), f).where('id', '<=', uptoId);
      if (cursor) q = q.where('id', '<', cursor);
      return (await q.orderBy('id', 'desc').limit(limit).execute()).map((r) => r.id);
    },
    insert: (row: BulkJobRow) => db.insertInto('bulk_jobs').values(row).execute(),
    get: (id: string) => db.selectFrom('bulk_jobs').selectAll().where('id', '=', id).executeTakeFirst(),
    /** The job made for this same request since `since`, if any (a repeated request gets it back). */
    recent: (key: string, since: number) =>
      db.selectFrom('bulk_jobs').selectAll().where('request_key', '=', key).where('created_at', '>=', since).orderBy('created_at', 'desc').executeTakeFirst(),
    progress: (id: string, p: { cursor: string | null; done: number; failed: number; status: string; finished_at: number | null }) =>
      db.updateTable('bulk_jobs').set(p).where('id', '=', id).execute(),
    unfinished: () => db.selectFrom('bulk_jobs').selectAll().where('status', '=', 'running').execute(),
    /** Finished executions only (a running one is canceled first); steps go with it (cascade). */
    deleteFinished: async (id: string) =>
      Number((await db.deleteFrom('executions').where('id', '=', id).where('status', 'in', ['success', 'error', 'canceled']).executeTakeFirst()).numDeletedRows) === 1,
  };
}
export type BulkJobRepo = ReturnType<typeof createBulkJobRepo>;
