/**
 * `logic.switch` in the engine: the first matching case takes the input, every other case's
 * branch is recorded skipped, unmatched input goes to `fallback`, or (fallback off) ends the
 * branch. Real SQLite store, real HTTP to a loopback sink; routing is the same on PostgreSQL
 * (the executor is shared), so one database suffices here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSink } from '../../test/helpers/sink.ts';
import type { Store } from '../db/store.ts';
import { createEngine, finished, saveWorkflow, sqliteBackend, type Database, type Engine } from './engine.test-helpers.ts';

describe('logic.switch routes in the engine', () => {
  let db: Database;
  let engine: Engine;
  let sink: Awaited<ReturnType<typeof startSink>>;
  beforeEach(async () => {
    db = await sqliteBackend.open();
    engine = await createEngine(db.store);
    sink = await startSink();
  });
  afterEach(async () => {
    await engine.stop();
    await sink.close();
    await db.cleanup();
  });

  const statuses = async (store: Store, id: string) => Object.fromEntries((await store.executions.getSteps(id)).map((r) => [r.node_id, r.status]));
  const handleOf = async (store: Store, id: string) => (await store.executions.getStep(id, 'route'))?.handle;

  async function routeWorkflow(fallback: boolean) {
    const id = `wf_switch_${fallback}`;
    return saveWorkflow(
      db.store,
      id,
      [
        { id: 'start', type: 'trigger.manual' },
        {
          id: 'route',
          type: 'logic.switch',
          config: {
            cases: [
              { name: 'urgent', condition: 'input.priority = "high"' },
              // Also true for high priority: only the first match routes.
              { name: 'big', condition: 'input.amount > 100 or input.priority = "high"' },
            ],
            fallback,
          },
        },
        { id: 'page', type: 'action.http', config: { url: `${sink.url}/page` } },
        { id: 'review', type: 'action.http', config: { url: `${sink.url}/review` } },
        { id: 'rest', type: 'action.http', config: { url: `${sink.url}/rest` } },
      ],
      [
        { source: 'start', target: 'route' },
        { source: 'route', target: 'page', sourceHandle: 'urgent' },
        { source: 'route', target: 'review', sourceHandle: 'big' },
        ...(fallback ? [{ source: 'route', target: 'rest', sourceHandle: 'fallback' }] : []),
      ],
    );
  }

  it('the first matching case takes the input; the other cases and fallback are skipped', async () => {
    const wf = await routeWorkflow(true);
    const urgent = (await engine.service.start({ ...wf, mode: 'manual', event: { priority: 'high', amount: 500 } })).executionId;
    expect((await finished(db.store, urgent)).status).toBe('success');
    expect(await handleOf(db.store, urgent)).toBe('urgent');
    expect(await statuses(db.store, urgent)).toEqual({ start: 'success', route: 'success', page: 'success', review: 'skipped', rest: 'skipped' });

    const big = (await engine.service.start({ ...wf, mode: 'manual', event: { priority: 'low', amount: 500 } })).executionId;
    expect((await finished(db.store, big)).status).toBe('success');
    expect(await handleOf(db.store, big)).toBe('big');

    const none = (await engine.service.start({ ...wf, mode: 'manual', event: { priority: 'low', amount: 5 } })).executionId;
    expect((await finished(db.store, none)).status).toBe('success');
    expect(await handleOf(db.store, none)).toBe('fallback');
    expect(await statuses(db.store, none)).toEqual({ start: 'success', route: 'success', page: 'skipped', review: 'skipped', rest: 'success' });
    expect(sink.requests.map((r) => r.url)).toEqual(['/page', '/review', '/rest']);
  });

  it('without fallback, an input no case matches ends the branch', async () => {
    const wf = await routeWorkflow(false);
    const none = (await engine.service.start({ ...wf, mode: 'manual', event: { priority: 'low', amount: 5 } })).executionId;
    expect((await finished(db.store, none)).status).toBe('success');
    expect(await handleOf(db.store, none)).toBe('');
    expect(await statuses(db.store, none)).toEqual({ start: 'success', route: 'success', page: 'skipped', review: 'skipped', rest: 'skipped' });
    expect(sink.requests).toHaveLength(0);
  });
});
