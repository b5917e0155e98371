/**
 * `npm start` runs dist/server.mjs, an esbuild bundle: prove that bundle boots from a fresh data
 * directory, finds its migrations and editor, and runs a workflow whose regex needs the
 * expression worker (a separate file the bundle must still locate).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseEnvFor, discardData, until } from '../helpers/boot.ts';
import { ownerKey } from '../helpers/process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-bundle-'));
let child: ReturnType<typeof spawn> | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  await discardData(dataDir); // and on PostgreSQL the database the bundle ran on
});

describe('the production bundle', () => {
  it('boots and runs a workflow that uses the expression worker', async () => {
    const { buildServer } = (await import(join(root, 'scripts/build-server.mjs'))) as { buildServer(o?: { force?: boolean }): Promise<string> };
    const bundle = await buildServer();
    const port = 20000 + Math.floor(Math.random() * 20000);
    // In the postgres project the bundle runs on PostgreSQL: it must also carry the pg driver.
    const dbEnv = await databaseEnvFor(dataDir);
    child = spawn(process.execPath, [bundle], { cwd: root, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...dbEnv }, stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${base}/api/health/ready`).catch(() => undefined))?.ok, 20_000, 100);
    const key = await ownerKey(base);
    const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const wf = (await (
      await fetch(`${base}/api/workflows`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({
          name: 'regex',
          nodes: [
            { id: 'go', type: 'trigger.manual', config: {} },
            { id: 'm', type: 'data.transform', config: { expression: '$match(input.text, /b+/).match' } },
          ],
          edges: [{ id: 'e', source: 'go', target: 'm' }],
        }),
      })
    ).json()) as { id: string };
    const run = (await (await fetch(`${base}/api/workflows/${wf.id}/run`, { method: 'POST', headers: h, body: '{"payload":{"text":"abbbc"}}' })).json()) as { executionId: string };
    const exec = await until(async () => {
      const r = (await (await fetch(`${base}/api/executions/${run.executionId}`, { headers: h })).json()) as any;
      return r.status === 'success' || r.status === 'error' ? r : undefined;
    });
    expect(exec.status).toBe('success');
    expect(exec.steps[1].output).toBe('bbb');
  }, 60_000);
});
