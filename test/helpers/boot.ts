/**
 * Boots a real Switchyard (real HTTP on loopback) for integration tests: a real SQLite file in a
 * temp dir, or — with SWITCHYARD_TEST_DB=postgres, as the `postgres` test project runs the whole
 * suite — a fresh PostgreSQL database of its own (test/helpers/postgres.ts), kept across a restart
 * that reuses the data directory and dropped on close.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { silentLogger } from '../../server/lib/logger.ts';
import { createSwitchyard, type Overrides, type Switchyard } from '../../server/switchyard.ts';
import type { SqliteStore } from '../../server/db/sqlite/driver.ts';

export type Booted = {
  app: Switchyard;
  base: string;
  dataDir: string;
  apiKey: string;
  /** fetch against the server with the API key; JSON in and out. */
  api(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(opts?: { keepData?: boolean }): Promise<void>;
};

/** Whether this run of the suite is the PostgreSQL one (vitest project `postgres`). */
export const onPostgres = process.env.SWITCHYARD_TEST_DB === 'postgres';
/** The key every PostgreSQL-mode test server shares (PostgreSQL mode requires one). */
export const TEST_ENCRYPTION_KEY = '0'.repeat(63) + '1';

/** DATABASE_URL (and a key) for a test server on PostgreSQL: one fresh database per data directory. */
async function postgresEnv(dataDir: string, env: Record<string, string> | undefined): Promise<{ env: Record<string, string>; drop?: () => Promise<void> }> {
  if (!onPostgres || env?.DATABASE_URL) return { env: {} };
  const marker = join(dataDir, '.test-database-url');
  const extra: Record<string, string> = env?.ENCRYPTION_KEY ? {} : { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
  if (existsSync(marker)) return { env: { DATABASE_URL: readFileSync(marker, 'utf8'), ...extra } };
  const { freshDatabase } = await import('./postgres.ts');
  const db = await freshDatabase();
  writeFileSync(marker, db.url);
  return { env: { DATABASE_URL: db.url, ...extra }, drop: db.drop };
}

export async function boot(opts: { env?: Record<string, string>; overrides?: Overrides; dataDir?: string } = {}): Promise<Booted> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'switchyard-test-'));
  const pg = await postgresEnv(dataDir, opts.env);
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...pg.env, ...opts.env });
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
      if (keepData) return;
      const marker = join(dataDir, '.test-database-url');
      if (onPostgres && existsSync(marker)) await dropDatabase(readFileSync(marker, 'utf8'));
      rmSync(dataDir, { recursive: true, force: true });
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

/** Drops a test database by its URL (the server using it has stopped). */
async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url.replace('@/', '@__host__/')).pathname.slice(1));
  const { dropDatabaseNamed } = await import('./postgres.ts');
  await dropDatabaseNamed(name);
}
