/**
 * `npm run backup -- <file>`: an online backup of the SQLite database in DATA_DIR, while the server
 * runs (server/db/sqlite/backup.ts), plus `<file>.README.txt` saying which encryption key it needs
 * and where that key lives. Run it with the server's environment (the same DATA_DIR).
 *
 * It opens the database file itself, read-only, beside the running server: the server's process
 * lock is a separate file (switchyard.lock) and WAL lets a second connection read while the server
 * writes, so no API key and no running server are needed. Exit codes: 0 done, 1 failed, 2 refused.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../server/config.ts';
import { BackupError } from '../server/db/sqlite/backup.ts';
import { backupNotes, backupStore } from '../server/services/backup.service.ts';

const fail = (code: string, message: string, exit: number): never => {
  console.error(`switchyard backup: ${code}: ${message}`);
  process.exit(exit);
};

const args = process.argv.slice(2).filter((a) => a !== '--');
if (args.length !== 1 || args[0]!.startsWith('-')) fail('BACKUP_USAGE', 'usage: npm run backup -- <file>   (a new file; DATA_DIR as the server has it)', 2);
if (process.env.DATABASE_URL) {
  fail(
    'BACKUP_POSTGRES',
    'DATABASE_URL is set: the store is PostgreSQL, which this command does not copy. Use pg_dump, e.g. ' +
      'pg_dump --format=custom --file=switchyard.dump "$DATABASE_URL" (restore with pg_restore), and keep ENCRYPTION_KEY separately: it is not in the database',
    2,
  );
}
let dataDir: string;
try {
  dataDir = loadConfig(process.env).DATA_DIR;
} catch (err) {
  dataDir = fail('CONFIG_INVALID', err instanceof Error ? err.message : String(err), 2);
}
const target = resolve(args[0]!);
const takenAt = new Date();
try {
  const backup = await backupStore(dataDir, target);
  const notes = backupNotes(backup, { dataDir, takenAt });
  writeFileSync(`${target}.README.txt`, notes);
  console.log(notes);
  console.log(`The notes above are also in ${target}.README.txt.`);
} catch (err) {
  if (err instanceof BackupError) fail(err.code, err.message, err.code === 'BACKUP_FAILED' || err.code === 'BACKUP_INTEGRITY' ? 1 : 2);
  fail('BACKUP_FAILED', err instanceof Error ? err.message : String(err), 1);
}
