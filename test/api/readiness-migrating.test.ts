/**
 * Readiness while migrations run (PostgreSQL, where migrating is asynchronous): a server started
 * while another process holds the migration lock already listens, answers liveness, says 503
 * `database: "migrating"` on readiness and 503 UNAVAILABLE to webhooks and the API; once the lock
 * is released it migrates, finishes booting and is ready.
 */
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { silentLogger } from '../../server/lib/logger.ts';
import { createSwitchyard, type Switchyard } from '../../server/switchyard.ts';
import { describePg, freshDatabase, type FreshDatabase } from '../helpers/postgres.ts';
import { TEST_ENCRYPTION_KEY, until } from '../helpers/boot.ts';

/** The key migratePostgres locks (server/db/migrate.ts). */
const MIGRATE_LOCK = '-5769455523508318284';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let db: FreshDatabase | undefined;
let holder: pg.Client | undefined;
let app: Switchyard | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-migrating-'));
afterAll(async () => {
  await holder?.end().catch(() => undefined);
  await app?.stop();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describePg('readiness during migrations', () => {
  it('answers 503 migrating while the migration lock is held, then 200', async () => {
    db = await freshDatabase('migrating'); // empty: every migration is pending
    holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK})`);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: db.url, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, LOG_LEVEL: 'silent' });
    const booting = createSwitchyard(config, { logger: silentLogger, listenWhileBooting: true });
    let booted = false;
    void booting.then(() => (booted = true), () => undefined);

    const ready = await until(async () => {
      const r = await fetch(`${base}/api/health/ready`).catch(() => undefined);
      return r && { status: r.status, body: await r.json() };
    });
    expect(ready).toEqual({ status: 503, body: { ok: false, checks: { process: 'starting', database: 'migrating' } } });
    expect(booted).toBe(false);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
    const hook = await fetch(`${base}/hooks/${'a'.repeat(24)}`, { method: 'POST', body: '{}' });
    expect(hook.status).toBe(503);
    expect(hook.headers.get('retry-after')).toBe('5');
    expect(await hook.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
    expect((await fetch(`${base}/api/auth/status`)).status).toBe(503);

    await holder.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK})`);
    app = await booting;
    expect(await app.listen()).toBe(port); // already listening: the same port
    const after = await fetch(`${base}/api/health/ready`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ ok: true, checks: { process: 'ok', database: 'ok' } });
    expect((await fetch(`${base}/api/auth/status`)).status).toBe(200);
  });
});
