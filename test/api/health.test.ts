/**
 * Liveness and readiness: /api/health answers while the process runs; /api/health/ready answers 503
 * while starting, while stopping, or while the database cannot be written, naming the failed check.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../server/db/sqlite/driver.ts';
import type { SqliteStore } from '../../server/db/sqlite/driver.ts';
import { createServer } from 'node:http';
import { createHealth, healthHandler } from '../../server/http/health.ts';
import { createMetricsHandler } from '../../server/http/metrics.handler.ts';
import { silentLogger } from '../../server/lib/logger.ts';
import { createMetrics } from '../../server/lib/metrics.ts';
import { boot, onPostgres, type Booted } from '../helpers/boot.ts';

async function get(base: string, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path);
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

describe('readiness phases (real SQLite store)', () => {
  let store: SqliteStore;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-health-'));
    store = openSqliteStore(join(dir, 'switchyard.db'), { dataDir: dir });
  });
  afterAll(() => store?.close());

  it('is not ready while starting, ready after ready(), not ready again once stopping', async () => {
    const health = createHealth(() => store.ping());
    expect(await health.check()).toEqual({ status: 503, body: { ok: false, checks: { process: 'starting', database: 'ok' } } });
    health.ready();
    expect(await health.check()).toEqual({ status: 200, body: { ok: true, checks: { process: 'ok', database: 'ok' } } });
    health.stopping();
    expect(await health.check()).toEqual({ status: 503, body: { ok: false, checks: { process: 'stopping', database: 'ok' } } });
  });

  it('says the database is unavailable when it cannot be written, and never why', async () => {
    const health = createHealth(() => store.ping());
    health.ready();
    store.db.sqlite.pragma('query_only = ON');
    try {
      expect(await health.check()).toEqual({ status: 503, body: { ok: false, checks: { process: 'ok', database: 'unavailable' } } });
    } finally {
      store.db.sqlite.pragma('query_only = OFF');
    }
    expect((await health.check()).status).toBe(200);
  });

  it("a worker's health server answers readiness and, when given it, /metrics; nothing else", async () => {
    const health = createHealth(() => store.ping());
    health.ready();
    const server = createServer(healthHandler(health, createMetricsHandler(createMetrics({ maxWorkflows: 1 }), { logger: silentLogger })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await get(base, '/api/health')).toEqual({ status: 200, body: { ok: true } });
      expect((await get(base, '/api/health/ready')).status).toBe(200);
      const metrics = await get(base, '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain('switchyard_queue_depth 0');
      expect((await get(base, '/api/workflows')).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('readiness of a running server', () => {
  let sy: Booted;
  beforeAll(async () => {
    sy = await boot();
  });
  afterAll(() => sy?.close());

  it('answers liveness and readiness without credentials', async () => {
    expect(await get(sy.base, '/api/health')).toEqual({ status: 200, body: { ok: true } });
    expect(await get(sy.base, '/api/health/ready')).toEqual({ status: 200, body: { ok: true, checks: { process: 'ok', database: 'ok' } } });
  });

  it.skipIf(onPostgres)('is not ready while the SQLite database is read-only, and ready again after; liveness stays 200', async () => {
    const sqlite = (sy.app.store as SqliteStore).db.sqlite;
    sqlite.pragma('query_only = ON');
    try {
      expect(await get(sy.base, '/api/health/ready')).toEqual({ status: 503, body: { ok: false, checks: { process: 'ok', database: 'unavailable' } } });
      expect((await get(sy.base, '/api/health')).status).toBe(200);
    } finally {
      sqlite.pragma('query_only = OFF');
    }
    expect((await get(sy.base, '/api/health/ready')).status).toBe(200);
  });
});
