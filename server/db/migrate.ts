/** Applies numbered .sql migrations in order, tracked by PRAGMA user_version. Landed files are never edited. */
import type Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { projectPath } from '../lib/paths.ts';
import { join } from 'node:path';

const dir = projectPath('server/db/migrations');

export function migrate(sqlite: Database.Database): number {
  const files = readdirSync(dir)
    .filter((f) => /^\d{3}-.+\.sql$/.test(f))
    .sort();
  const current = sqlite.pragma('user_version', { simple: true }) as number;
  for (const file of files) {
    const n = Number(file.slice(0, 3));
    if (n <= current) continue;
    const sql = readFileSync(join(dir, file), 'utf8');
    sqlite.transaction(() => {
      sqlite.exec(sql);
      sqlite.pragma(`user_version = ${n}`);
    })();
  }
  return sqlite.pragma('user_version', { simple: true }) as number;
}
