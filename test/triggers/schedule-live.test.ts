/**
 * trigger.schedule on real timers: an every-second schedule fires on the second through the durable
 * queue, stops on deactivation, skips while the previous run is unfinished, and a second server on
 * one data directory is refused (two schedulers on one database: server/engine/scheduler.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, onPostgres, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';
import { createActive, events, sleep, stateOf, triggerInfo } from './helpers.ts';

let sy: Booted;
beforeAll(async () => {
  sy = await boot();
});
afterAll(async () => {
  await sy?.close();
});

const everySecond = (extra: Record<string, unknown> = {}) => ({ id: 'tick', type: 'trigger.schedule', config: { cron: '* * * * * *', ...extra } });

describe('every-second schedule', () => {
  it('fires on the second, one execution per slot, and stops on deactivation', async () => {
    const wf = await createActive(sy, { name: 'tick', nodes: [everySecond({ overlap: 'allow' })] });
    const next = wf.triggers[0]!.nextRunAt as string;
    expect(next).toMatch(/:\d\d\.000Z$/);

    const seen = await until(async () => {
      const e = await events(sy, wf.id, 'tick');
      return e.length >= 3 ? e : undefined;
    });
    for (const e of seen) {
      expect(e.mode).toBe('schedule');
      expect(e.version).toBe(wf.version);
      expect(e.output.scheduledAt).toMatch(/\.000Z$/);
      expect(Date.parse(e.output.firedAt)).toBeGreaterThanOrEqual(Date.parse(e.output.scheduledAt));
    }
    // Whole, distinct, increasing seconds. (Not "exactly 1000 ms apart": a stalled machine may
    // legitimately collapse slots into one late run, which is counted as missed instead.)
    const slots = seen.map((e) => Date.parse(e.output.scheduledAt));
    for (let i = 1; i < slots.length; i++) {
      expect(slots[i]! - slots[i - 1]!).toBeGreaterThan(0);
      expect((slots[i]! - slots[i - 1]!) % 1000).toBe(0);
    }
    await until(async () => (await sy.api(`/api/executions/${seen[0]!.executionId}`)).body.status === 'success');

    const off = await sy.api(`/api/workflows/${wf.id}/deactivate`, { method: 'POST' });
    expect(off.body.triggers[0].nextRunAt).toBeNull();
    expect(await stateOf(sy, wf.id, 'tick')).toBeUndefined();
    const after = (await events(sy, wf.id, 'tick')).length;
    await sleep(2200);
    expect((await events(sy, wf.id, 'tick')).length).toBe(after);
  });

  it('skips (and records) runs while the previous run is unfinished', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const sink = await startSink(async () => {
      await held;
      return { status: 200, body: { ok: true } };
    });
    try {
      const wf = await createActive(sy, {
        name: 'slow',
        nodes: [everySecond(), { id: 'call', type: 'action.http', config: { url: `${sink.url}/slow` } }],
        edges: [{ id: 'e', source: 'tick', target: 'call' }],
      });
      const info = await until(async () => {
        const t = await triggerInfo(sy, wf.id);
        return t.skippedRuns >= 2 ? t : undefined;
      });
      expect(info.lastSkippedAt).toMatch(/\.000Z$/);
      expect(await events(sy, wf.id, 'tick')).toHaveLength(1);
      release();
      await until(async () => (await events(sy, wf.id, 'tick')).length >= 2);
      await sy.api(`/api/workflows/${wf.id}/deactivate`, { method: 'POST' });
    } finally {
      release();
      await sink.close();
    }
  });
});

describe('two servers on one data directory', () => {
  // SQLite only: the data-directory lock is SQLite's (one process per file). The PostgreSQL
  // counterpart is the next test: servers sharing a database is what PostgreSQL mode is for.
  it.skipIf(onPostgres)('the second is refused at start, saying why (SQLite allows one process; PostgreSQL mode shares a database)', async () => {
    const a = await boot();
    try {
      await expect(boot({ dataDir: a.dataDir })).rejects.toThrow(/another Switchyard process already uses this data directory.*DATABASE_URL/);
      // The first one is unharmed: it still answers.
      expect((await a.api('/api/health')).status).toBe(200);
    } finally {
      await a.close();
    }
  });

  it.runIf(onPostgres)('PostgreSQL mode: a second server on the same database starts beside the first, and both serve it', async () => {
    const a = await boot();
    try {
      const b = await boot({ dataDir: a.dataDir }); // the same DATABASE_URL (boot keeps it per data directory)
      try {
        const created = await a.api('/api/workflows', { body: { name: 'shared', nodes: [], edges: [] } });
        expect(created.status).toBe(201);
        expect((await b.api(`/api/workflows/${created.body.id}`)).body.name).toBe('shared');
      } finally {
        await b.close({ keepData: true }); // the database is a's to drop
      }
      expect((await a.api('/api/health')).status).toBe(200);
    } finally {
      await a.close();
    }
  });
});
