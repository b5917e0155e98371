/** Opens the store the configuration names: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.ts';
import { CHANNELS, type Notifications, type Store } from './store.ts';
import { openSqliteStore } from './sqlite/driver.ts';
import type { CommitObserver } from './sqlite/group-commit.ts';

export type StoreOptions = { databaseUrl?: string | undefined; dataDir: string; logger?: Logger; applicationName?: string; poolSize?: number;
  /** SQLite: told of each group-commit batch and WAL fsync (metrics). */
  commitObserver?: CommitObserver;
  /** SQLite: index executions for text search as they are written (config EXECUTION_SEARCH_INDEX). */
  searchIndex?: boolean;
};

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.databaseUrl) {
    // Loaded only in PostgreSQL mode, so an embedded install never loads the pg driver.
    const { openPostgresStore } = await import('./postgres/driver.ts');
    const { lockKey } = await import('./postgres/advisoryLock.ts');
    const pg = await openPostgresStore(opts.databaseUrl, {
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.applicationName ? { applicationName: opts.applicationName } : {}),
      ...(opts.poolSize ? { poolSize: opts.poolSize } : {}),
    });
    // Every subscriber shares ONE dedicated LISTEN connection (on all of Switchyard's channels), not
    // one connection each: fewer of the server's max_connections per process.
    type Sub = { channels: ReadonlySet<string>; handler: (channel: string, payload: string) => void; onReconnect: (() => void) | undefined };
    const subs = new Set<Sub>();
    let shared: ReturnType<typeof pg.listen> | undefined;
    const known = new Set<string>(Object.values(CHANNELS));
    const notifications: Notifications = {
      async listen(channels, handler, onReconnect) {
        const unknown = channels.filter((c) => !known.has(c));
        if (unknown.length) throw new Error(`not a Switchyard channel: ${unknown.join(', ')}`);
        const sub: Sub = { channels: new Set(channels), handler, onReconnect };
        subs.add(sub);
        shared ??= pg.listen([...known], (ch, payload) => subs.forEach((s) => s.channels.has(ch) && s.handler(ch, payload)), {
          onReconnect: () => subs.forEach((s) => s.onReconnect?.()),
        });
        const listening = shared;
        try {
          await listening;
        } catch (err) {
          subs.delete(sub);
          if (shared === listening) shared = undefined;
          throw err;
        }
        return {
          async close() {
            subs.delete(sub);
            if (subs.size > 0 || shared !== listening) return;
            shared = undefined;
            await (await listening).close();
          },
        };
      },
      notify: (channel, payloads) => pg.notify(channel, payloads),
      leadership(name, onChange) {
        const lock = pg.advisoryLock(lockKey(name), onChange);
        return { held: () => lock.held(), stop: () => lock.close() };
      },
    };
    return { ...pg, notifications };
  }
  mkdirSync(opts.dataDir, { recursive: true });
  return openSqliteStore(join(opts.dataDir, 'switchyard.db'), { dataDir: opts.dataDir, ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.commitObserver ? { commitObserver: opts.commitObserver } : {}), searchIndex: opts.searchIndex ?? false });
}
