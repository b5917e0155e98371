/**
 * An online copy of the SQLite database with SQLite's backup API, taken while the server runs.
 *
 * The copy is made by a second, read-only connection (the process lock is a separate file, and WAL
 * lets a reader in beside the writer), in a worker thread, so neither the CLI nor the server's event
 * loop does the copying. All pages are transferred in ONE backup step: one read transaction, so the
 * copy is the database exactly as of the last commit before it began. (Copying in small steps from
 * another connection would restart from page 1 at every commit the server makes, which under steady
 * webhooks could be forever.) Writes go on meanwhile: WAL readers never block the writer.
 *
 * The copy is written beside the target under a temporary name, switched to rollback-journal mode
 * (one self-contained file, no -wal to forget), checked with `PRAGMA integrity_check`, fsync'd, and
 * only then linked into place (mode 0600) — so a target that exists is a complete, checked backup,
 * and an existing file is never overwritten.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, openSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);

// Plain JS so the worker needs no TypeScript loader (and survives the esbuild bundle).
const WORKER = `
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
(async () => {
  const src = new Database(workerData.source, { readonly: true, fileMustExist: true });
  let pages;
  try {
    src.pragma('busy_timeout = 5000');
    // The first step (0 pages) only sizes the job; the progress callback then asks for every page at once.
    const r = await src.backup(workerData.tmp, { progress: () => 0x7fffffff });
    pages = r.totalPages;
  } finally {
    src.close();
  }
  const dst = new Database(workerData.tmp);
  let integrity, keySource = null, credentials = 0, executions = 0;
  try {
    dst.pragma('journal_mode = DELETE');
    integrity = dst.pragma('integrity_check').map((r) => r.integrity_check).join('; ');
    try { keySource = dst.prepare("SELECT value FROM vault_meta WHERE name = 'key_source'").pluck().get() ?? null; } catch {}
    try { credentials = dst.prepare('SELECT count(*) FROM credentials').pluck().get(); } catch {}
    try { executions = dst.prepare('SELECT count(*) FROM executions').pluck().get(); } catch {}
  } finally {
    dst.close();
  }
  const fd = fs.openSync(workerData.tmp, 'r+');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  parentPort.postMessage({ ok: true, pages, integrity, keySource, credentials, executions, bytes: fs.statSync(workerData.tmp).size });
})().catch((err) => parentPort.postMessage({ ok: false, message: String(err && err.message || err), code: err && err.code }));
`;

export type SqliteBackup = {
  file: string;
  bytes: number;
  pages: number;
  /** `ok`, or what `PRAGMA integrity_check` found (then the backup is not kept). */
  integrity: string;
  /** vault_meta.key_source of the copy: which key its credentials are sealed with (null: none recorded yet). */
  keySource: string | null;
  credentials: number;
  executions: number;
};

/** A backup that could not be made; `code` says why (BACKUP_TARGET_EXISTS, BACKUP_NO_DATABASE, BACKUP_INTEGRITY, BACKUP_FAILED). */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly code: 'BACKUP_TARGET_EXISTS' | 'BACKUP_NO_DATABASE' | 'BACKUP_TARGET_DIR' | 'BACKUP_INTEGRITY' | 'BACKUP_FAILED',
    message: string,
  ) {
    super(message);
  }
}

type WorkerResult = { ok: true; pages: number; integrity: string; keySource: string | null; credentials: number; executions: number; bytes: number } | { ok: false; message: string; code?: string };

function runWorker(source: string, tmp: string): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { source, tmp, driver: require.resolve('better-sqlite3') } });
    let result: WorkerResult | undefined;
    worker.once('message', (m: WorkerResult) => (result = m));
    worker.once('error', reject);
    worker.once('exit', () => (result ? resolve(result) : reject(new Error('the backup worker exited without an answer'))));
  });
}

/** Copies the database `source` to `target` (which must not exist). */
export async function backupSqlite(source: string, target: string): Promise<SqliteBackup> {
  if (!existsSync(source)) throw new BackupError('BACKUP_NO_DATABASE', `there is no database at ${source} (is DATA_DIR the server's?)`);
  if (!existsSync(dirname(target))) throw new BackupError('BACKUP_TARGET_DIR', `the directory ${dirname(target)} does not exist`);
  if (existsSync(target)) throw new BackupError('BACKUP_TARGET_EXISTS', `${target} already exists; backups never overwrite a file: choose a new name`);
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    const r = await runWorker(source, tmp);
    if (!r.ok) throw new BackupError('BACKUP_FAILED', `the backup failed: ${r.message}${r.code ? ` (${r.code})` : ''}`);
    if (r.integrity !== 'ok') throw new BackupError('BACKUP_INTEGRITY', `the copy failed PRAGMA integrity_check: ${r.integrity.slice(0, 500)}`);
    // Webhook tokens, execution data and (encrypted) credentials: for the owner's eyes, like the database.
    chmodSync(tmp, 0o600);
    try {
      // link, not rename: it fails if the target appeared meanwhile, instead of replacing it.
      linkSync(tmp, target);
    } catch (err) {
      if ((err as { code?: string }).code === 'EEXIST') throw new BackupError('BACKUP_TARGET_EXISTS', `${target} already exists; backups never overwrite a file: choose a new name`);
      throw err;
    }
    syncDir(dirname(target));
    return { file: target, bytes: r.bytes, pages: r.pages, integrity: r.integrity, keySource: r.keySource, credentials: r.credentials, executions: r.executions };
  } finally {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}-journal`, { force: true });
  }
}

/** Makes the new directory entry durable too (a power cut right after must not lose the file's name). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the file itself is already synced.
  }
}
