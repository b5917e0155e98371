/**
 * Backups under load, and restoring them: the real server (a child process) keeps taking webhooks
 * while `npm run backup` and POST /api/admin/backup copy its database; each copy passes
 * `PRAGMA integrity_check`, holds no key, and a server started on a fresh DATA_DIR holding it (and
 * the same key) serves every execution acknowledged before the backup began.
 * On PostgreSQL both refuse, pointing to pg_dump.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { discardData, onPostgres, until } from '../helpers/boot.ts';
import { ownerKey, processApi, startServerProcess, type ServerProcess } from '../helpers/process.ts';
import { startSink } from '../helpers/sink.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-backup-'));
const restoreDir = mkdtempSync(join(tmpdir(), 'switchyard-restore-'));
const outDir = mkdtempSync(join(tmpdir(), 'switchyard-backups-'));
const procs: ServerProcess[] = [];
const sink = await startSink();

afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await sink.close();
  await discardData(dataDir);
  await discardData(restoreDir);
  rmSync(outDir, { recursive: true, force: true });
});

/** `npm run backup -- <file>` with `env`, as an operator runs it. */
function runBackupCli(file: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'backup', '--', file], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A loop of webhooks (a few in flight at once) until stopped; collects the acknowledged ids in order. */
function webhookLoad(url: string) {
  const acked: string[] = [];
  const failures: string[] = [];
  let stop = false;
  const worker = async (w: number) => {
    for (let n = 0; !stop; n++) {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ w, n }) });
      const body = (await r.json()) as { executionId?: string };
      if (r.status === 202 && body.executionId) acked.push(body.executionId);
      else failures.push(`${r.status} ${JSON.stringify(body)}`);
      // Steady, not flat out: the point is writes during the copy, not saturating a shared machine.
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const running = Promise.all([0, 1, 2].map(worker));
  return {
    acked,
    failures,
    async stop() {
      stop = true;
      await running;
    },
  };
}

/** PRAGMA integrity_check of a database file, or of one held in memory (a downloaded copy). */
function integrityOf(file: string | Buffer): string {
  const db = typeof file === 'string' ? new Database(file, { readonly: true, fileMustExist: true }) : new Database(file);
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

describe.skipIf(onPostgres)('SQLite backups under load', () => {
  it('backs up online (CLI and API) while webhooks are acknowledged, and a restored copy serves every execution acknowledged before', async () => {
    const proc = await startServerProcess({ DATA_DIR: dataDir }, { bundle: true });
    procs.push(proc);
    const key = await ownerKey(proc.base);
    const api = processApi(() => proc, key);
    // A credential, so the restore really needs the key (a wrong or missing key refuses the start).
    const cred = await api('/api/credentials', { name: 'token', type: 'httpBearer', data: { token: 'backup-test-token-123' } });
    expect(cred.id).toBeTruthy();
    const wf = await api('/api/workflows', {
      name: 'orders',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: {} },
        { id: 'call', type: 'action.http', config: { method: 'POST', url: `${sink.url}/x`, credentialId: cred.id, body: { n: '{{ trigger.body.n }}' } } },
      ],
      edges: [{ id: 'e', source: 'hook', target: 'call' }],
    });
    const act = await api(`/api/workflows/${wf.id}/activate`, {});
    expect(act.active).toBe(true);
    const hookUrl = (act.triggers[0].url as string).replace(/^http:\/\/[^/]+/, proc.base);

    const load = webhookLoad(hookUrl);
    while (load.acked.length < 30) await new Promise((r) => setTimeout(r, 20));

    // 1. The CLI, beside the running server (which holds the data directory's process lock).
    const before = [...load.acked];
    const cliFile = join(outDir, 'cli.db');
    const cli = await runBackupCli(cliFile, { DATA_DIR: dataDir });
    const duringCli = load.acked.length - before.length;

    // 2. The API, still under load.
    const beforeApi = [...load.acked];
    expect((await fetch(`${proc.base}/api/admin/backup`, { method: 'POST' })).status).toBe(401);
    const res = await fetch(`${proc.base}/api/admin/backup`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const apiFile = join(outDir, 'api.db');
    writeFileSync(apiFile, Buffer.from(await res.arrayBuffer()));
    expect((await fetch(`${proc.base}/api/admin/backup`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(405);
    await load.stop();

    expect(load.failures).toEqual([]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(duringCli).toBeGreaterThan(0); // webhooks kept being acknowledged while the CLI ran
    expect(load.acked.length).toBeGreaterThan(beforeApi.length);

    // The key stays out of the copies, and the notes say where it is.
    const keyFile = join(dataDir, 'encryption.key');
    const keyText = readFileSync(keyFile, 'utf8').trim();
    expect(cli.stdout).toContain('THE ENCRYPTION KEY IS NOT IN THIS BACKUP');
    expect(cli.stdout).toContain(`the key file ${keyFile}`);
    expect(readFileSync(`${cliFile}.README.txt`, 'utf8')).toContain(`the key file ${keyFile}`);
    for (const f of [cliFile, apiFile]) expect(readFileSync(f).includes(Buffer.from(keyText))).toBe(false);
    expect(res.headers.get('content-type')).toBe('application/vnd.sqlite3');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="switchyard-.*\.db"$/);
    expect(res.headers.get('x-switchyard-key-source')).toBe('key-file');
    expect(Number(res.headers.get('x-switchyard-backup-executions'))).toBeGreaterThanOrEqual(beforeApi.length);
    expect(Number(/Holds: +(\d+) executions/.exec(cli.stdout)?.[1])).toBeGreaterThanOrEqual(before.length);
    expect(res.headers.get('x-switchyard-key-note')).toContain(keyFile);
    // A client that hangs up does not leave its copy behind, nor block the next backup.
    const hangUp = new AbortController();
    const aborted = fetch(`${proc.base}/api/admin/backup`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, signal: hangUp.signal }).then(
      (r) => r.arrayBuffer(),
      () => undefined,
    );
    setTimeout(() => hangUp.abort(), 5);
    await aborted.catch(() => undefined);
    const staged = join(dataDir, 'backups');
    await until(() => readdirSync(staged).length === 0, 10_000);
    const next = await until(async () => {
      const r = await fetch(`${proc.base}/api/admin/backup`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
      if (r.status === 409) return undefined; // the hung-up one may still be copying
      return r;
    }, 10_000);
    expect(next.status).toBe(200);
    expect(integrityOf(Buffer.from(await next.arrayBuffer()))).toBe('ok');
    // Staged copies are deleted once sent.
    await until(() => readdirSync(staged).length === 0, 10_000);

    // Each copy is one self-contained, sound file.
    for (const f of [cliFile, apiFile]) {
      expect(integrityOf(f)).toBe('ok');
      expect(existsSync(`${f}-wal`)).toBe(false);
    }
    expect(statSync(cliFile).mode & 0o777).toBe(0o600);

    // Restore the API copy on a fresh DATA_DIR without the key: refused, saying so.
    copyFileSync(apiFile, join(restoreDir, 'switchyard.db'));
    await expect(startServerProcess({ DATA_DIR: restoreDir }, { bundle: true, startTimeoutMs: 20_000 })).rejects.toThrow(/key/i);

    // With the key: every execution acknowledged before the backup began is there, credential too.
    writeFileSync(join(restoreDir, 'encryption.key'), keyText + '\n');
    chmodSync(join(restoreDir, 'encryption.key'), 0o600);
    const restored = await startServerProcess({ DATA_DIR: restoreDir }, { bundle: true });
    procs.push(restored);
    const rapi = processApi(() => restored, key);
    for (const id of beforeApi) {
      const r = await fetch(`${restored.base}/api/executions/${id}`, { headers: { authorization: `Bearer ${key}` } });
      expect(r.status, id).toBe(200);
      expect(((await r.json()) as { id: string }).id).toBe(id);
    }
    expect((await rapi('/api/credentials')).items.map((c: { id: string }) => c.id)).toEqual([cred.id]);
    restored.child.kill('SIGTERM');
    await restored.exited;

    // The CLI copy restores as well: every execution acknowledged before it began.
    const cliRestore = mkdtempSync(join(tmpdir(), 'switchyard-restore-cli-'));
    copyFileSync(cliFile, join(cliRestore, 'switchyard.db'));
    copyFileSync(keyFile, join(cliRestore, 'encryption.key'));
    const fromCli = await startServerProcess({ DATA_DIR: cliRestore }, { bundle: true });
    procs.push(fromCli);
    for (const id of before) expect((await fetch(`${fromCli.base}/api/executions/${id}`, { headers: { authorization: `Bearer ${key}` } })).status, id).toBe(200);
    fromCli.child.kill('SIGTERM');
    await fromCli.exited;
    await discardData(cliRestore);

    // A backup never overwrites a file.
    const again = await runBackupCli(cliFile, { DATA_DIR: dataDir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('BACKUP_TARGET_EXISTS');
    expect(integrityOf(cliFile)).toBe('ok');
  }, 120_000);

  it('says why when there is no database or no file name', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'switchyard-nodb-'));
    const none = await runBackupCli(join(outDir, 'none.db'), { DATA_DIR: empty });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('BACKUP_NO_DATABASE');
    expect(existsSync(join(outDir, 'none.db'))).toBe(false);
    const usage = await new Promise<number | null>((resolve) => spawn('npm', ['run', '--silent', 'backup'], { cwd: root, stdio: 'ignore' }).on('exit', resolve));
    expect(usage).toBe(2);
    await discardData(empty);
  }, 60_000);
});

describe.runIf(onPostgres)('PostgreSQL: backups are pg_dump’s job', () => {
  it('the CLI and the API refuse with a code, pointing to pg_dump', async () => {
    const proc = await startServerProcess({ DATA_DIR: dataDir }, { bundle: true });
    procs.push(proc);
    const key = await ownerKey(proc.base);
    const res = await fetch(`${proc.base}/api/admin/backup`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('CONFLICT');
    expect(body.error.message).toContain('pg_dump');
    const cli = await runBackupCli(join(outDir, 'pg.db'), { DATA_DIR: dataDir, DATABASE_URL: 'postgres://127.0.0.1:5432/test' });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('BACKUP_POSTGRES');
    expect(cli.stderr).toContain('pg_dump');
    expect(existsSync(join(outDir, 'pg.db'))).toBe(false);
  }, 60_000);
});
