/**
 * Applies the numbered .sql migrations of one dialect in order (migrations/sqlite/, migrations/postgres/),
 * each in its own transaction. Landed files are never edited; a change is a new file.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../lib/paths.ts';

type Migration = { version: number; name: string; file: string };

/** `NNN-name.sql` files of one dialect, in order; two files with one number are refused. */
function migrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = projectPath('server/db/migrations', dialect);
  const list = readdirSync(dir)
    .filter((f) => /^\d{3}-.+\.sql$/.test(f))
    .sort()
    .map((name) => ({ version: Number(name.slice(0, 3)), name, file: join(dir, name) }));
  list.forEach((m, i) => {
    if (i > 0 && list[i - 1]!.version === m.version) throw new Error(`two ${dialect} migrations numbered ${m.version}: ${list[i - 1]!.name}, ${m.name}`);
  });
  return list;
}

/** SQLite: the applied version is PRAGMA user_version. Returns the version now. */
export function migrateSqlite(sqlite: Database.Database): number {
  const current = sqlite.pragma('user_version', { simple: true }) as number;
  for (const m of migrations('sqlite')) {
    if (m.version <= current) continue;
    const sql = readFileSync(m.file, 'utf8');
    sqlite.transaction(() => {
      sqlite.exec(sql);
      sqlite.pragma(`user_version = ${m.version}`);
    })();
  }
  return sqlite.pragma('user_version', { simple: true }) as number;
}

/**
 * Session advisory lock held while migrating, so processes starting together migrate once: the
 * first applies, the others wait and then find nothing pending. (First 8 bytes of
 * sha256("switchyard:migrate"); any fixed key works, this one will not collide by accident.)
 */
const MIGRATE_LOCK = '-5769455523508318284';

/**
 * PostgreSQL: the applied versions are rows of schema_migrations. Runs on one dedicated client,
 * under an advisory lock; each pending file commits with its schema_migrations row. Returns the
 * highest applied version.
 */
export async function migratePostgres(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK})`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
    );
    const applied = new Map(
      (await client.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations')).rows.map((r) => [r.version, r.name]),
    );
    for (const m of migrations('postgres')) {
      const seen = applied.get(m.version);
      if (seen !== undefined) {
        // A different file under an applied number: a landed migration was renamed or two branches
        // both added this number. Running on would leave a schema nobody wrote.
        if (seen !== m.name) throw new Error(`postgres migration ${m.version} was applied as ${seen}, but the file now is ${m.name}`);
        continue;
      }
      const sql = readFileSync(m.file, 'utf8');
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
        await client.query('COMMIT');
      } catch (err) {
        throw new Error(`postgres migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.set(m.version, m.name);
    }
    await client.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK})`);
    return Math.max(0, ...applied.keys());
  } catch (err) {
    failed = err as Error;
    throw err;
  } finally {
    // After an error the client is destroyed rather than reused: closing the session rolls back
    // an open transaction and drops the advisory lock, whatever state the connection was left in.
    client.release(failed ?? false);
  }
}
