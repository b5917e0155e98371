/** Reads straight on the pool (not batched: a read needs no transaction of its own). */
import type pg from 'pg';
import { isUnavailable, toStoreError } from './errors.ts';

export type Reader = {
  /** `name`: run it as a named prepared statement (parsed and planned once per connection). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[], name?: string): Promise<pg.QueryResult<R>>;
};

/**
 * An idle pooled connection can die unnoticed (server restart, idle timeout) and fail the next
 * query handed to it. A read is safe to retry once on a fresh connection; a second failure is
 * the database really being gone: StoreUnavailableError.
 */
export function createReader(pool: pg.Pool, target: string): Reader {
  return {
    async query<R extends pg.QueryResultRow>(text: string, values?: unknown[], name?: string) {
      const q = name ? { name, text, values } : { text, values };
      try {
        return await pool.query<R>(q);
      } catch (err) {
        if (!isUnavailable(err)) throw err;
      }
      try {
        return await pool.query<R>(q);
      } catch (err) {
        throw toStoreError(err, target);
      }
    },
  };
}
