/**
 * Starts that must be refused, as `npm start` runs them (a real child process): one line on
 * stderr saying why, and a non-zero exit. Nothing here needs a database to be running.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs server/main.ts with `env` until it exits; returns its exit code and stderr. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-refusal-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    }),
  );
}

/** A loopback port that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const KEY = 'ab'.repeat(32);

describe('refused starts', () => {
  it('PostgreSQL unreachable: one line naming the host and port, exit 1', async () => {
    const port = await closedPort();
    const r = await start({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/switchyard`, ENCRYPTION_KEY: KEY });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^switchyard: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/switchyard`));
  });

  it('PostgreSQL mode without ENCRYPTION_KEY: refused, saying it is required', async () => {
    const r = await start({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/switchyard' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/ENCRYPTION_KEY is required with DATABASE_URL/);
  });

  it('a web or worker role without DATABASE_URL: refused, saying SQLite runs one process', async () => {
    for (const role of ['web', 'worker']) {
      const r = await start({ SWITCHYARD_ROLE: role });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`SWITCHYARD_ROLE=${role} needs DATABASE_URL`));
    }
  });

  it('an unknown role: refused with the allowed values', async () => {
    const r = await start({ SWITCHYARD_ROLE: 'scheduler' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SWITCHYARD_ROLE/);
    expect(r.stderr).toMatch(/all|web|worker/);
  });
});
