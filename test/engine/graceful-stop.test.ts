/** A graceful stop (SIGTERM) mid-execution fails nothing: the cut-off step is not recorded and runs again at the next start. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-stop-'));
const slow = await startSink(async (_req, n) => {
  if (n === 1) await new Promise((r) => setTimeout(r, 3000)); // the first call outlives the server
  return { status: 200, body: { n } };
});
let sy: Booted | undefined;
afterAll(async () => {
  await sy?.close();
  await slow.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('graceful stop', () => {
  it('leaves an in-flight execution unfinished, not failed, and finishes it after a restart', async () => {
    sy = await boot({ dataDir });
    const wf = await sy.api('/api/workflows', {
      body: {
        name: 'slow',
        nodes: [
          { id: 'go', type: 'trigger.manual', config: {} },
          { id: 'call', type: 'action.http', config: { url: `${slow.url}/x` } },
        ],
        edges: [{ id: 'e', source: 'go', target: 'call' }],
      },
    });
    const run = await sy.api(`/api/workflows/${wf.body.id}/run`, { body: { payload: {} } });
    await until(() => slow.requests.length === 1);
    await sy.close({ keepData: true });

    sy = await boot({ dataDir });
    const done = await until(async () => {
      const r = await sy!.api(`/api/executions/${run.body.executionId}`);
      return r.body.status === 'success' || r.body.status === 'error' ? r.body : undefined;
    }, 15_000);
    expect(done.status).toBe('success');
    expect(done.steps.find((s: any) => s.nodeId === 'call')).toMatchObject({ status: 'success', attempts: 1, output: { body: { n: 2 } } });
    expect(slow.requests).toHaveLength(2);
  });
});
