/**
 * trigger.poll against a real loopback API on a fake clock (Date and setTimeout faked, advancing with
 * real time): seeding, one execution per new item oldest first, 304 as a quiet poll, no refire across
 * a restart, backoff with lastError, the 100-item cap, deactivation clearing seen keys, test-poll.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { boot, openStoreAt, until, type Booted } from '../helpers/boot.ts';
import { startSink, type SinkRequest } from '../helpers/sink.ts';
import { advanceClock, createActive, events, stateOf, triggerInfo } from './helpers.ts';

type Api = { list: unknown[]; fail: number | null; requests: SinkRequest[]; url: string; close(): Promise<void> };

/** A list endpoint, newest first, with an ETag; `fail` makes it answer that status instead. */
async function startApi(): Promise<Api> {
  const api = { list: [] as unknown[], fail: null as number | null };
  const sink = await startSink((req) => {
    if (api.fail) return { status: api.fail, body: { error: 'boom' } };
    const etag = `"${Buffer.from(JSON.stringify(api.list)).toString('base64url').slice(-24)}-${api.list.length}"`;
    if (req.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
    return { status: 200, headers: { etag }, body: { data: api.list } };
  });
  return Object.assign(api, { requests: sink.requests, url: sink.url, close: sink.close });
}

const open: Booted[] = [];
let api: Api;
beforeEach(async () => {
  // A fine-grained fake clock: items of one poll are started one millisecond apart.
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], shouldAdvanceTime: true, advanceTimeDelta: 2 });
  api = await startApi();
});
afterEach(async () => {
  for (const sy of open.splice(0)) await sy.close();
  await api.close();
  vi.useRealTimers();
});

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

const pollWorkflow = (config: Record<string, unknown> = {}) => ({
  name: 'poll',
  nodes: [{ id: 'poll', type: 'trigger.poll', config: { request: { url: `${api.url}/items` }, intervalSeconds: 10, items: 'body.data', key: 'id', ...config } }],
});
const ids = (...xs: string[]) => xs.map((id) => ({ id, title: `item ${id}` }));

/**
 * Moves the clock past the next due poll and waits until that poll has been recorded. The extra
 * 5 s covers the start jitter after an arm (at most half the 10 s interval), and stays short of
 * the poll after (at least one interval later).
 */
async function nextPoll(sy: Booted, wfId: string): Promise<any> {
  const before = await stateOf(sy, wfId, 'poll');
  const due = before?.nextPollAt ?? Date.now();
  await advanceClock(Math.max(0, due - Date.now()) + 5_001);
  return until(async () => {
    const s = await stateOf(sy, wfId, 'poll');
    return s && s.lastPolledAt !== (before?.lastPolledAt ?? null) ? s : undefined;
  });
}
const keysFired = async (sy: Booted, wfId: string) => (await events(sy, wfId, 'poll')).map((e) => e.output.item.id);

describe('polling', () => {
  it('seeds on the first poll, then starts one execution per new item, oldest first', async () => {
    api.list = ids('b', 'a');
    const sy = await start();
    const wf = await createActive(sy, pollWorkflow());
    const seeded = await nextPoll(sy, wf.id);
    expect(seeded.seeded).toBe(true);
    expect(await events(sy, wf.id, 'poll')).toHaveLength(0);
    expect(await triggerInfo(sy, wf.id)).toMatchObject({ lastPolledAt: new Date(seeded.lastPolledAt).toISOString(), lastPoll: { items: 2, started: 0 } });

    api.list = ids('d', 'c', 'b', 'a');
    await nextPoll(sy, wf.id);
    expect((await triggerInfo(sy, wf.id)).lastPoll).toEqual({ items: 4, started: 2 });
    const fired = await events(sy, wf.id, 'poll');
    expect(fired.map((e) => e.output.item.id)).toEqual(['c', 'd']);
    expect(fired[0]!.mode).toBe('poll');
    expect(fired[0]!.output).toEqual({ item: { id: 'c', title: 'item c' }, polledAt: expect.stringMatching(/Z$/) });
  });

  it('sends the validators back and treats a 304 as a quiet poll', async () => {
    api.list = ids('a');
    const sy = await start();
    const wf = await createActive(sy, pollWorkflow());
    await nextPoll(sy, wf.id);
    const quiet = await nextPoll(sy, wf.id);
    const last = api.requests[api.requests.length - 1]!;
    expect(last.headers['if-none-match']).toBeTruthy();
    expect(quiet).toMatchObject({ lastError: null, failures: 0, lastResult: 'not-modified' });
    expect((await triggerInfo(sy, wf.id)).lastPoll).toEqual({ notModified: true });
    expect(await events(sy, wf.id, 'poll')).toHaveLength(0);
    // A change is picked up after the 304.
    api.list = ids('b', 'a');
    await nextPoll(sy, wf.id);
    expect(await keysFired(sy, wf.id)).toEqual(['b']);
  });

  it('starts exactly one execution per new item across a restart, with no refire', async () => {
    api.list = ids('a');
    let sy = await start();
    const wf = await createActive(sy, pollWorkflow());
    await nextPoll(sy, wf.id);
    api.list = ids('b', 'a');
    await nextPoll(sy, wf.id);
    expect(await keysFired(sy, wf.id)).toEqual(['b']);

    api.list = ids('c', 'b', 'a');
    sy = await restart(sy);
    await nextPoll(sy, wf.id);
    expect(await keysFired(sy, wf.id)).toEqual(['b', 'c']);

    // Even if the seen keys were lost (a crash after the executions were written, before the state
    // was), the same items do not run again: each start is idempotent on the item key.
    const s = await stateOf(sy, wf.id, 'poll');
    s.seen = ['a'];
    s.etag = null;
    await sy.close({ keepData: true });
    open.splice(open.indexOf(sy), 1);
    const stopped = await openStoreAt(sy.dataDir);
    await stopped.kysely.updateTable('trigger_state').set({ state: JSON.stringify(s) }).where('workflow_id', '=', wf.id).execute();
    await stopped.close();
    sy = await start(sy.dataDir);
    const after = await nextPoll(sy, wf.id);
    expect(after.seen).toEqual(expect.arrayContaining(['a', 'b', 'c']));
    expect(await keysFired(sy, wf.id)).toEqual(['b', 'c']);
  });

  it('backs off exponentially on failure up to ten intervals, shows lastError, and a success clears it', async () => {
    api.list = ids('a');
    const sy = await start();
    const wf = await createActive(sy, pollWorkflow());
    await nextPoll(sy, wf.id);

    api.fail = 500;
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await nextPoll(sy, wf.id);
      expect(s).toMatchObject({ lastError: 'HTTP 500', lastResult: null });
      delays.push(s.nextPollAt - s.lastErrorAt);
    }
    expect(delays).toEqual([20_000, 40_000, 80_000, 100_000, 100_000]);
    const info = await triggerInfo(sy, wf.id);
    expect(info.lastError).toBe('HTTP 500');
    expect(info.lastErrorAt).toMatch(/Z$/);

    // Nothing is requested before the backoff is over.
    const count = api.requests.length;
    await advanceClock(50_000);
    expect(api.requests.length).toBe(count);

    api.fail = null;
    api.list = ids('b', 'a');
    const ok = await nextPoll(sy, wf.id);
    expect(ok).toMatchObject({ lastError: null, lastErrorAt: null, failures: 0 });
    expect(ok.nextPollAt - ok.lastPolledAt).toBeGreaterThanOrEqual(10_000);
    expect(await triggerInfo(sy, wf.id)).toMatchObject({ lastError: null, lastErrorAt: null });
    expect(await keysFired(sy, wf.id)).toEqual(['b']);
  });

  it('starts at most 100 items per poll, oldest first; the rest come next time', async () => {
    api.list = ids('seed');
    const sy = await start();
    const wf = await createActive(sy, pollWorkflow());
    await nextPoll(sy, wf.id);
    const many = Array.from({ length: 150 }, (_, i) => `n${String(i).padStart(3, '0')}`);
    api.list = [...ids(...many).reverse(), ...ids('seed')]; // newest (n149) first
    await nextPoll(sy, wf.id);
    expect(await keysFired(sy, wf.id)).toEqual(many.slice(0, 100));
    await nextPoll(sy, wf.id);
    expect(await keysFired(sy, wf.id)).toEqual(many);
  });

  it('clears the seen keys on deactivation: reactivating seeds again', async () => {
    api.list = ids('a');
    const sy = await start();
    const wf = await createActive(sy, pollWorkflow());
    await nextPoll(sy, wf.id);
    expect((await stateOf(sy, wf.id, 'poll')).seen).toEqual(['a']);
    await sy.api(`/api/workflows/${wf.id}/deactivate`, { method: 'POST' });
    expect(await stateOf(sy, wf.id, 'poll')).toBeUndefined();

    api.list = ids('b', 'a');
    await sy.api(`/api/workflows/${wf.id}/activate`, { method: 'POST' });
    const s = await nextPoll(sy, wf.id);
    expect(s.seen).toEqual(['a', 'b']);
    expect(await events(sy, wf.id, 'poll')).toHaveLength(0);
  });

  it('keys items without a usable key by a hash of their content, and fireOnFirstPoll runs what is there', async () => {
    api.list = [{ title: 'no id 2' }, { title: 'no id 1' }];
    const sy = await start();
    const wf = await createActive(sy, pollWorkflow({ fireOnFirstPoll: true }));
    const s = await nextPoll(sy, wf.id);
    expect(s.seen).toHaveLength(2);
    for (const k of s.seen) expect(k).toMatch(/^hash:[0-9a-f]{16}$/);
    expect((await events(sy, wf.id, 'poll')).map((e) => e.output.item.title)).toEqual(['no id 1', 'no id 2']);
    // The same content again is not new.
    api.list = [{ title: 'no id 3' }, { title: 'no id 2' }, { title: 'no id 1' }];
    await nextPoll(sy, wf.id);
    expect((await events(sy, wf.id, 'poll')).map((e) => e.output.item.title)).toEqual(['no id 1', 'no id 2', 'no id 3']);
  });

  it('refuses an invalid items or key expression on activation, with its path', async () => {
    const sy = await start();
    const created = await sy.api('/api/workflows', { body: { ...pollWorkflow({ items: 'body.data[', key: 'id' }), edges: [] } });
    const r = await sy.api(`/api/workflows/${created.body.id}/activate`, { method: 'POST' });
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: { path: string }) => d.path)).toEqual(['nodes.0.config.items']);
  });
});

describe('POST /api/workflows/:id/nodes/:nodeId/test-poll', () => {
  it('polls once with the saved config, or an unsaved one, and starts nothing', async () => {
    api.list = ids('b', 'a');
    const sy = await start();
    const created = await sy.api('/api/workflows', { body: { ...pollWorkflow(), edges: [] } });
    const saved = await sy.api(`/api/workflows/${created.body.id}/nodes/poll/test-poll`, { body: {} });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      status: 200,
      items: [
        { key: 'b', item: { id: 'b', title: 'item b' }, keyed: true },
        { key: 'a', item: { id: 'a', title: 'item a' }, keyed: true },
      ],
      total: 2,
      found: 'list',
      unkeyed: 0,
      response: { status: 200, truncated: false, lists: ['body.data'] },
    });
    expect(JSON.parse(saved.body.response.body)).toEqual({ data: api.list });

    const unsaved = await sy.api(`/api/workflows/${created.body.id}/nodes/poll/test-poll`, {
      body: { config: { request: { url: `${api.url}/items` }, intervalSeconds: 10, items: 'body.data', key: 'title' } },
    });
    expect(unsaved.body.items.map((i: { key: string }) => i.key)).toEqual(['item b', 'item a']);
    expect(await events(sy, created.body.id, 'poll')).toHaveLength(0);
  });

  it('shows the raw response when items finds nothing, and counts the items keyed by their content hash', async () => {
    api.list = ids('b', 'a');
    const sy = await start();
    const created = await sy.api('/api/workflows', { body: { ...pollWorkflow(), edges: [] } });
    const path = `/api/workflows/${created.body.id}/nodes/poll/test-poll`;
    const request = { url: `${api.url}/items` };

    const nothing = await sy.api(path, { body: { config: { request, items: 'body.results', key: 'id' } } });
    expect(nothing.body).toMatchObject({ items: [], total: 0, found: 'nothing', response: { status: 200, lists: ['body.data'] } });
    expect(JSON.parse(nothing.body.response.body)).toEqual({ data: api.list });

    const single = await sy.api(path, { body: { config: { request, items: 'body', key: 'id' } } });
    expect(single.body).toMatchObject({ found: 'single', total: 1, unkeyed: 1, items: [{ keyed: false }] });

    const keyless = await sy.api(path, { body: { config: { request, items: 'body.data', key: 'uuid' } } });
    expect(keyless.body).toMatchObject({ found: 'list', total: 2, unkeyed: 2 });
    expect(keyless.body.items.map((i: { key: string; keyed: boolean }) => [i.key.startsWith('hash:'), i.keyed])).toEqual([
      [true, false],
      [true, false],
    ]);
  });

  it('answers 400 with paths for an invalid config, and says why the upstream call failed', async () => {
    const sy = await start();
    const created = await sy.api('/api/workflows', { body: { ...pollWorkflow(), edges: [] } });
    const path = `/api/workflows/${created.body.id}/nodes/poll/test-poll`;
    const bad = await sy.api(path, { body: { config: { request: { url: 'ftp://x' }, intervalSeconds: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['config.intervalSeconds', 'config.request.url']);

    api.fail = 404;
    const failed = await sy.api(path, { body: {} });
    expect(failed.status).toBe(400);
    expect(failed.body.error).toMatchObject({ code: 'CONFIG_INVALID', message: 'the test poll failed: HTTP 404', details: { status: 404 } });

    expect((await sy.api(`/api/workflows/${created.body.id}/nodes/nope/test-poll`, { body: {} })).status).toBe(404);
  });
});
