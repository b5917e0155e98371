/** flow.delay is durable: the execution parks (leaving the worker pool), survives a restart, and resumes on time. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-delay-'));
let sy: Booted | undefined;
afterAll(async () => {
  await sy?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('flow.delay', () => {
  it('parks, survives a restart, and finishes after the delay', async () => {
    sy = await boot({ dataDir });
    const wf = await sy.api('/api/workflows', {
      body: {
        name: 'wait',
        nodes: [
          { id: 'go', type: 'trigger.manual', config: {} },
          { id: 'pause', type: 'flow.delay', config: { seconds: 2 } },
          { id: 'after', type: 'data.transform', config: { expression: 'input.n + 1' } },
        ],
        edges: [
          { id: 'a', source: 'go', target: 'pause' },
          { id: 'b', source: 'pause', target: 'after' },
        ],
      },
    });
    const started = Date.now();
    const run = await sy.api(`/api/workflows/${wf.body.id}/run`, { body: { payload: { n: 41 } } });
    const id = run.body.executionId as string;
    // The detail reads the execution and its steps in two statements: on PostgreSQL one read can
    // fall between the waiting step's commit and the status's, so wait for both to show.
    const parked = await until(async () => {
      const r = await sy!.api(`/api/executions/${id}`);
      return r.body.steps.find((s: any) => s.nodeId === 'pause')?.status === 'waiting' && r.body.status !== 'queued' ? r.body : undefined;
    });
    expect(parked.status).toBe('running');
    // The waiting step is written before the queue hears the execution parked; wait for that too.
    await until(() => sy!.app.queue.stats().parked === 1);
    expect(sy.app.queue.stats()).toMatchObject({ running: 0, parked: 1 });

    await sy.close({ keepData: true });
    sy = await boot({ dataDir });
    const done = await until(async () => {
      const r = await sy!.api(`/api/executions/${id}`);
      return r.body.status === 'success' ? r.body : undefined;
    }, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(done.steps.map((s: any) => [s.nodeId, s.status])).toEqual([
      ['go', 'success'],
      ['pause', 'success'],
      ['after', 'success'],
    ]);
    expect(done.steps[2].output).toBe(42);
  });
});
