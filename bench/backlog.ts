/** Backlog drain: 20,000 executions queued while the worker pool is paused, then drained. Run as a child by bench/run.ts. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../server/config.ts';
import { silentLogger } from '../server/lib/logger.ts';
import { createSwitchyard } from '../server/switchyard.ts';

export async function runBacklog(count = 20_000): Promise<{ count: number; seconds: number; perSecond: number; enqueuePerSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-backlog-'));
  const app = await createSwitchyard(loadConfig({ DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent' }), { logger: silentLogger });
  try {
    const wf = await app.services.workflows.create({
      name: 'backlog',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: {} },
        { id: 'shape', type: 'data.transform', position: { x: 0, y: 0 }, config: { expression: '{ "email": input.body.email, "n": input.body.n }' } },
      ],
      edges: [{ id: 'e', source: 'hook', target: 'shape' }],
    });
    app.queue.pause();
    const t0 = performance.now();
    const batch: Promise<unknown>[] = [];
    for (let n = 0; n < count; n++) {
      batch.push(
        app.services.executions.start({ workflowId: wf.id, workflowVersion: wf.version, triggerNodeId: 'hook', mode: 'webhook', event: { method: 'POST', body: { email: 'a@b.co', n } } }),
      );
      if (batch.length === 1000) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);
    const enqueueSeconds = (performance.now() - t0) / 1000;
    const start = performance.now();
    app.queue.resume();
    await app.queue.idle();
    await app.store.sync();
    const seconds = (performance.now() - start) / 1000;
    return { count, seconds: Math.round(seconds * 100) / 100, perSecond: Math.round(count / seconds), enqueuePerSecond: Math.round(count / enqueueSeconds) };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runBacklog(Number(process.argv[2] ?? 20_000))));
}
