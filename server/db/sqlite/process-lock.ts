/**
 * One process per SQLite data directory. A second process on the same file would run its own
 * queue, scheduler and group commit beside the first (double runs, a WAL fsync'd by two writers),
 * so it is refused at start. The lock is SQLite's own: a small file held in exclusive locking
 * mode, which the operating system releases when the process dies, even by SIGKILL.
 */
import Database from 'better-sqlite3';

export type ProcessLock = { release(): void };

export function acquireProcessLock(file: string): ProcessLock {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; in EXCLUSIVE locking mode it is kept until close.
    db.exec(`CREATE TABLE IF NOT EXISTS holder (pid INTEGER, since INTEGER);
             BEGIN EXCLUSIVE; DELETE FROM holder; INSERT INTO holder VALUES (${process.pid}, ${Date.now()}); COMMIT;`);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(
        `another Switchyard process already uses this data directory (${file} is locked); SQLite allows one process — for several, set DATABASE_URL=postgres://…`,
      );
    }
    throw err;
  }
  return { release: () => db.close() };
}
