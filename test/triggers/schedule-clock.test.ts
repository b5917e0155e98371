/**
 * trigger.schedule on a fake clock (Date and setTimeout faked, advancing with real time so the database,
 * HTTP and group commit behave): timezones, both catch-up policies across a restart, validation,
 * and a lease an older version left pending.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { createActive, events, stateOf, triggerInfo } from './helpers.ts';

const open: Booted[] = [];
async function start(dataDir?: string): Promise<Booted> {
  const sy = await boot(dataDir ? { dataDir } : {});
  open.push(sy);
  return sy;
}
async function restart(sy: Booted): Promise<Booted> {
  await sy.close({ keepData: true });
  open.splice(open.indexOf(sy), 1);
  return start(sy.dataDir);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], shouldAdvanceTime: true });
});
afterEach(async () => {
  for (const sy of open.splice(0)) await sy.close();
  vi.useRealTimers();
});

const schedule = (config: Record<string, unknown>) => ({ name: 'sched', nodes: [{ id: 'cron', type: 'trigger.schedule', config }] });

describe('timezone', () => {
  it('moves the next run, and an edit while active re-arms with the new zone', async () => {
    vi.setSystemTime(new Date('2030-01-15T12:00:00Z'));
    const sy = await start();
    const ny = await createActive(sy, schedule({ cron: '0 9 * * *', timezone: 'America/New_York' }));
    expect(ny.triggers[0]!.nextRunAt).toBe('2030-01-15T14:00:00.000Z');
    const paris = await createActive(sy, schedule({ cron: '0 9 * * *', timezone: 'Europe/Paris' }));
    expect(paris.triggers[0]!.nextRunAt).toBe('2030-01-16T08:00:00.000Z');
    const utc = await createActive(sy, schedule({ cron: '0 9 * * *' }));
    expect(utc.triggers[0]!.nextRunAt).toBe('2030-01-16T09:00:00.000Z');

    const edited = await sy.api(`/api/workflows/${ny.id}`, { method: 'PUT', body: schedule({ cron: '0 9 * * *', timezone: 'Asia/Tokyo' }) });
    expect(edited.status).toBe(200);
    expect(edited.body.triggers[0].nextRunAt).toBe('2030-01-16T00:00:00.000Z');
  });

  it('refuses an invalid cron or timezone on activation, with the path of each', async () => {
    const sy = await start();
    for (const [config, paths] of [
      [{ cron: '61 * * * *' }, ['nodes.0.config.cron']],
      [{ cron: '* * *' }, ['nodes.0.config.cron']],
      [{ cron: '0 9 * * *', timezone: 'Mars/Olympus' }, ['nodes.0.config.timezone']],
      [{ cron: 'nope', timezone: 'Nowhere/City' }, ['nodes.0.config.cron', 'nodes.0.config.timezone']],
    ] as const) {
      const created = await sy.api('/api/workflows', { body: { ...schedule(config), edges: [] } });
      const r = await sy.api(`/api/workflows/${created.body.id}/activate`, { method: 'POST' });
      expect(r.status).toBe(400);
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toEqual(paths);
    }
  });
});

describe('catch-up across a restart', () => {
  it('catchUp "last" runs the most recent missed slot once at start', async () => {
    vi.setSystemTime(new Date('2030-01-15T10:20:00Z'));
    let sy = await start();
    const wf = await createActive(sy, schedule({ cron: '0 * * * *', catchUp: 'last' }));
    expect(wf.triggers[0]!.nextRunAt).toBe('2030-01-15T11:00:00.000Z');

    // Down from 10:20 to 13:30: the 11:00, 12:00 and 13:00 runs were missed.
    await sy.close({ keepData: true });
    open.splice(open.indexOf(sy), 1);
    vi.setSystemTime(new Date('2030-01-15T13:30:00Z'));
    sy = await start(sy.dataDir);

    const fired = await until(async () => {
      const e = await events(sy, wf.id, 'cron');
      return e.length ? e : undefined;
    });
    expect(fired).toHaveLength(1);
    expect(fired[0]!.output.scheduledAt).toBe('2030-01-15T13:00:00.000Z');
    expect(Date.parse(fired[0]!.output.firedAt)).toBeGreaterThanOrEqual(Date.parse('2030-01-15T13:30:00Z'));
    const info = await until(async () => {
      const t = await triggerInfo(sy, wf.id);
      return t.nextRunAt === '2030-01-15T14:00:00.000Z' ? t : undefined;
    });
    expect(info.missedRuns).toBe(2);

    // And once only: another restart does not run 13:00 again.
    sy = await restart(sy);
    await until(async () => (await triggerInfo(sy, wf.id)).nextRunAt === '2030-01-15T14:00:00.000Z');
    expect(await events(sy, wf.id, 'cron')).toHaveLength(1);
  });

  it('catchUp "none" skips every missed run and records them', async () => {
    vi.setSystemTime(new Date('2030-01-15T10:20:00Z'));
    let sy = await start();
    const wf = await createActive(sy, schedule({ cron: '0 * * * *', catchUp: 'none' }));
    await sy.close({ keepData: true });
    open.splice(open.indexOf(sy), 1);
    vi.setSystemTime(new Date('2030-01-15T13:30:00Z'));
    sy = await start(sy.dataDir);

    const info = await until(async () => {
      const t = await triggerInfo(sy, wf.id);
      return t.missedRuns > 0 ? t : undefined;
    });
    expect(info).toMatchObject({ nextRunAt: '2030-01-15T14:00:00.000Z', missedRuns: 3, lastMissedAt: '2030-01-15T13:00:00.000Z' });
    expect(await events(sy, wf.id, 'cron')).toHaveLength(0);

    // The schedule goes on: 14:00 fires normally.
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    const fired = await until(async () => {
      const e = await events(sy, wf.id, 'cron');
      return e.length ? e : undefined;
    });
    expect(fired.map((e) => e.output.scheduledAt)).toEqual(['2030-01-15T14:00:00.000Z']);
  });
});

describe('a lease left pending by an older version', () => {
  // Versions before the one-transaction pass leased a slot, then wrote its execution, then
  // cleared the lease. A lease left there may or may not have started: starting it again could
  // run it twice, so the next arm clears it as handled, and the schedule goes on from there.
  it('is cleared at the next boot without a run, and the next slot fires normally', async () => {
    vi.setSystemTime(new Date('2030-01-15T10:20:00Z'));
    let sy = await start();
    const wf = await createActive(sy, schedule({ cron: '0 * * * *' }));
    const s = await stateOf(sy, wf.id, 'cron');
    s.pending = { slot: Date.parse('2030-01-15T10:00:00Z'), firedAt: Date.parse('2030-01-15T10:19:00Z') };
    await sy.app.store.kysely
      .updateTable('trigger_state')
      .set({ state: JSON.stringify(s) })
      .where('workflow_id', '=', wf.id)
      .where('node_id', '=', 'cron')
      .execute();
    sy = await restart(sy);
    await until(async () => (await stateOf(sy, wf.id, 'cron')).pending === null);
    expect((await stateOf(sy, wf.id, 'cron')).nextRunAt).toBe(Date.parse('2030-01-15T11:00:00Z'));
    expect(await events(sy, wf.id, 'cron')).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(40 * 60_000);
    const fired = await until(async () => {
      const e = await events(sy, wf.id, 'cron');
      return e.length ? e : undefined;
    });
    expect(fired.map((e) => e.output.scheduledAt)).toEqual(['2030-01-15T11:00:00.000Z']);
  });
});
