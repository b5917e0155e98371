/**
 * Which database test servers run on: SQLite in their data directory, or — in the `postgres` test
 * project (SWITCHYARD_TEST_DB=postgres) — a PostgreSQL database of their own, kept per data
 * directory. Kept apart from boot.ts so that helpers running servers as child processes need not
 * load the server.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether this run of the suite is the PostgreSQL one (vitest project `postgres`). */
export const onPostgres = process.env.SWITCHYARD_TEST_DB === 'postgres';
/** The key every PostgreSQL-mode test server shares (PostgreSQL mode requires one). */
export const TEST_ENCRYPTION_KEY = '0'.repeat(63) + '1';

/**
 * What a test server on `dataDir` adds to its environment: nothing on SQLite; on PostgreSQL its
 * DATABASE_URL — a fresh database per data directory (a migrated clone, test/helpers/postgres.ts),
 * made at the first start and kept in the directory for restarts — and the shared test key. Also
 * for servers run as child processes; discardData(dataDir) drops the database.
 */
export async function databaseEnvFor(dataDir: string): Promise<Record<string, string>> {
  if (!onPostgres) return {};
  const marker = join(dataDir, '.test-database-url');
  if (!existsSync(marker)) {
    const { freshDatabase } = await import('./postgres.ts');
    const db = await freshDatabase({ migrated: true }); // the server finds nothing to migrate
    writeFileSync(marker, db.url);
  }
  return { DATABASE_URL: readFileSync(marker, 'utf8'), ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
}

/**
 * Removes a data directory a test booted servers on, and on PostgreSQL the database kept for it
 * (for tests that close with `keepData` and clean up at the end).
 */
export async function discardData(dataDir: string): Promise<void> {
  const marker = join(dataDir, '.test-database-url');
  if (onPostgres && existsSync(marker)) await dropDatabase(readFileSync(marker, 'utf8'));
  rmSync(dataDir, { recursive: true, force: true });
}

/** Drops a test database by its URL (the server using it has stopped). */
async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url.replace('@/', '@__host__/')).pathname.slice(1));
  const { dropDatabaseNamed } = await import('./postgres.ts');
  await dropDatabaseNamed(name);
}
