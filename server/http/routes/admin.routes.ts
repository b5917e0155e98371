/**
 * /api/admin: operator actions for the owner (any signed-in principal: there is one kind of user).
 *
 * POST /api/admin/backup answers with the backup itself, as a download: what a self-hoster wants
 * from an API is a copy OFF the machine (`curl -o`), not one more file on the disk that may fail.
 * The copy is staged in DATA_DIR/backups (same filesystem, so no /tmp size surprises) and unlinked
 * once open, so it lasts as long as its download. The encryption key is never part of it; the
 * headers say where it lives.
 */
import { closeSync, createReadStream, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from 'express';
import { AppError } from '#shared/errors.ts';
import { backupStore, keyLocation, stagingDir } from '../../services/backup.service.ts';

/** Copies left by a process that died while making or sending one (only names this route makes). */
function removeStale(dir: string): void {
  for (const f of readdirSync(dir)) if (/^switchyard-.*\.db$|^\.switchyard-.*\.partial(-journal)?$/.test(f)) rmSync(join(dir, f), { force: true });
}

export type AdminDeps = { dataDir: string; dialect: 'sqlite' | 'postgres'; now: () => Date };

export function adminRoutes(deps: AdminDeps): Router {
  const r = Router();
  let running = false;
  r.post('/backup', async (_req, res) => {
    if (deps.dialect !== 'sqlite') {
      throw new AppError('CONFLICT', 'the store is PostgreSQL (DATABASE_URL): back it up with pg_dump; ENCRYPTION_KEY is not in the database, keep it separately', {
        details: [{ path: 'DATABASE_URL', message: 'use pg_dump' }],
      });
    }
    // One at a time: each holds a full copy on the disk until it is sent.
    if (running) throw new AppError('CONFLICT', 'a backup is already being made; try again when it is done');
    running = true;
    let fd: number | undefined;
    let backup;
    const takenAt = deps.now();
    const name = `switchyard-${takenAt.toISOString().replace(/[:.]/g, '-')}.db`;
    try {
      const dir = stagingDir(deps.dataDir);
      removeStale(dir);
      const file = join(dir, name);
      backup = await backupStore(deps.dataDir, file);
      // Unlinked as soon as it is open: the copy lives exactly as long as the download, even if the process dies.
      fd = openSync(file, 'r');
      rmSync(file, { force: true });
    } catch (err) {
      running = false;
      if (fd !== undefined) closeSync(fd);
      throw err;
    }
    res.status(200);
    res.setHeader('Content-Type', 'application/vnd.sqlite3');
    res.setHeader('Content-Length', String(backup.bytes));
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.setHeader('X-Switchyard-Backup-Integrity', backup.integrity);
    res.setHeader('X-Switchyard-Backup-Executions', String(backup.executions));
    res.setHeader('X-Switchyard-Key-Source', backup.keySource ?? 'none');
    res.setHeader('X-Switchyard-Key-Note', `NOT in this backup; keep it separately; it is ${keyLocation(backup.keySource, deps.dataDir)}`.replace(/[^\x20-\x7e]/g, '?'));
    // The stream closes the descriptor (autoClose) when it ends or is destroyed.
    const stream = createReadStream('', { fd });
    const done = () => {
      running = false;
      stream.destroy();
    };
    // A client that hung up while the copy was made has already closed the response.
    if (res.destroyed || res.closed) return done();
    res.once('close', done);
    stream.once('error', (err) => res.destroy(err));
    stream.pipe(res);
  });
  r.all('/backup', () => {
    throw new AppError('METHOD_NOT_ALLOWED', 'a backup is made with POST', { headers: { Allow: 'POST' } });
  });
  return r;
}
