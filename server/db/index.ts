/** Opens the store the configuration names: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.ts';
import type { Notifications, Store } from './store.ts';
import { openSqliteStore } from './sqlite/driver.ts';

export type StoreOptions = { databaseUrl?: string | undefined; dataDir: string; logger?: Logger; applicationName?: string; poolSize?: number };

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
    const notifications: Notifications = {
      listen: (channels, handler, onReconnect) => pg.listen(channels, handler, onReconnect ? { onReconnect } : {}),
      notify: (channel, payloads) => pg.notify(channel, payloads),
      leadership(name, onChange) {
        const lock = pg.advisoryLock(lockKey(name), onChange);
        return { held: () => lock.held(), stop: () => lock.close() };
      },
    };
    return { ...pg, notifications };
  }
  mkdirSync(opts.dataDir, { recursive: true });
  return openSqliteStore(join(opts.dataDir, 'switchyard.db'), { dataDir: opts.dataDir, ...(opts.logger ? { logger: opts.logger } : {}) });
}
