/**
 * Boots a real Switchyard (real HTTP on loopback) for integration tests: a real SQLite file in a
 * temp dir, or — with SWITCHYARD_TEST_DB=postgres, as the `postgres` test project runs the whole
 * suite — a fresh PostgreSQL database of its own (test/helpers/postgres.ts), kept across a restart
 * that reuses the data directory and dropped on close.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { silentLogger } from '../../server/lib/logger.ts';
import { createSwitchyard, type Overrides, type Switchyard } from '../../server/switchyard.ts';
import type { SqliteStore } from '../../server/db/sqlite/driver.ts';
import { databaseEnvFor, discardData, onPostgres } from './test-db.ts';

export { databaseEnvFor, discardData, onPostgres, TEST_ENCRYPTION_KEY } from './test-db.ts';

export type Booted = {
  app: Switchyard;
  base: string;
  dataDir: string;
  apiKey: string;
  /** fetch against the server with the API key; JSON in and out. */
  api(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(opts?: { keepData?: boolean }): Promise<void>;
};

/** DATABASE_URL (and a key) for a test server on PostgreSQL, unless the test names its own. */
async function postgresEnv(dataDir: string, env: Record<string, string> | undefined): Promise<Record<string, string>> {
  if (!onPostgres || env?.DATABASE_URL) return {};
  const { DATABASE_URL, ENCRYPTION_KEY } = await databaseEnvFor(dataDir);
  return { DATABASE_URL: DATABASE_URL!, ...(env?.ENCRYPTION_KEY ? {} : { ENCRYPTION_KEY: ENCRYPTION_KEY! }) };
}

export async function boot(opts: { env?: Record<string, string>; overrides?: Overrides; dataDir?: string } = {}): Promise<Booted> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'switchyard-test-'));
  const pgEnv = await postgresEnv(dataDir, opts.env);
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...pgEnv, ...opts.env });
  const app = await createSwitchyard(config, { logger: silentLogger, ...opts.overrides });
  const port = await app.listen();
  const base = `http://127.0.0.1:${port}`;
  if (!opts.env?.PUBLIC_URL) config.publicUrl = base;

  async function raw(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    const res = await fetch(base + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: body as any, headers: res.headers };
  }

  // A fresh data dir gets the owner; a reused one (restart tests) logs the owner in again.
  const owner = { email: 'owner@example.com', password: 'correct horse battery' };
  let session = await raw('/api/auth/setup', { body: owner });
  if (session.status === 409) session = await raw('/api/auth/login', { body: owner });
  const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
  const apiKey = (await raw('/api/api-keys', { body: { label: 'tests' }, headers: { cookie, origin: base } })).body.key as string;

  return {
    app,
    base,
    dataDir,
    apiKey,
    api: (path, init = {}) => raw(path, { ...init, headers: { authorization: `Bearer ${apiKey}`, ...init.headers } }),
    async close({ keepData = false } = {}) {
      await app.stop();
      if (!keepData) await discardData(dataDir);
    },
  };
}

/** Polls until `fn` returns a truthy value (or throws after `timeoutMs`). */
export async function until<T>(fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The raw SQLite handle of a booted server, for tests that inspect the file itself (SQLite mode only). */
export function sqliteOf(app: Switchyard): import('better-sqlite3').Database {
  const store = app.store as Partial<SqliteStore>;
  if (!store.db) throw new Error('this test reads SQLite directly; it cannot run on PostgreSQL');
  return store.db.sqlite;
}

/**
 * The store of a stopped server's data (`close({ keepData: true })`), whichever dialect it ran on:
 * the SQLite file in `dataDir`, or the PostgreSQL database kept for that directory. For tests that
 * change stored state while the server is down (a crash between two writes). Close it before the
 * next boot on `dataDir`.
 */
export async function openStoreAt(dataDir: string): Promise<import('../../server/db/store.ts').Store> {
  const { openStore } = await import('../../server/db/index.ts');
  const marker = join(dataDir, '.test-database-url');
  const databaseUrl = onPostgres && existsSync(marker) ? readFileSync(marker, 'utf8') : undefined;
  return openStore({ databaseUrl, dataDir });
}

/**
 * A Kysely over a connection of its own to a running server's database — not the server's
 * (SQLite: the file opened again, read-only; PostgreSQL: a new session): what another reader sees
 * right after an answer, i.e. what is committed. destroy() it when done.
 */
export async function secondConnection(sy: Booted): Promise<import('kysely').Kysely<import('../../server/db/schema.ts').Schema>> {
  const { Kysely, PostgresDialect, SqliteDialect } = await import('kysely');
  const marker = join(sy.dataDir, '.test-database-url');
  if (onPostgres && existsSync(marker)) {
    const { default: pg } = await import('pg');
    return new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: readFileSync(marker, 'utf8'), max: 1 }) }) });
  }
  const { default: Database } = await import('better-sqlite3');
  return new Kysely({ dialect: new SqliteDialect({ database: new Database(join(sy.dataDir, 'switchyard.db'), { readonly: true }) }) });
}
