/** Opens the store the configuration names: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.ts';
import type { Store } from './store.ts';
import { openSqliteStore } from './sqlite/driver.ts';

export type StoreOptions = { databaseUrl?: string | undefined; dataDir: string; logger?: Logger; applicationName?: string };

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.databaseUrl) {
    throw new Error('PostgreSQL mode is not wired in yet');
  }
  mkdirSync(opts.dataDir, { recursive: true });
  return openSqliteStore(join(opts.dataDir, 'switchyard.db'), { dataDir: opts.dataDir, ...(opts.logger ? { logger: opts.logger } : {}) });
}
