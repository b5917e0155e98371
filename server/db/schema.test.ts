/**
 * Both dialects' migrations build the schema schema.ts describes: the same tables and columns
 * (type class and nullability, against COLUMNS), keys and indexes; and migrating again, or from
 * several processes at once, applies each migration exactly once.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describePg, freshDatabase, type FreshDatabase } from '../../test/helpers/postgres.ts';
import { projectPath } from '../lib/paths.ts';
import { migratePostgres, migrateSqlite } from './migrate.ts';
import { COLUMNS } from './schema.ts';

type Columns = Record<string, Record<string, string>>;

const migrationNumbers = (dialect: string) =>
  readdirSync(projectPath('server/db/migrations', dialect))
    .filter((f) => /^\d{3}-.+\.sql$/.test(f))
    .map((f) => Number(f.slice(0, 3)))
    .sort((a, b) => a - b);
const latest = (dialect: string) => Math.max(...migrationNumbers(dialect));

/** Indexes only PostgreSQL has (the shared queue's claims and leases). */
const PG_ONLY_INDEXES = ['index executions_claimable', 'index executions_lease_owner', 'index executions_concurrency', 'index executions_concurrency_held'];
/**
 * The SQLite-only search index's queue (migration 018; the index itself is a file of its own:
 * sqlite/search-index.ts); PostgreSQL searches the steps themselves (repos/execution-search.ts).
 */
const SQLITE_SEARCH = /^execution_search/;

describe('sqlite schema', () => {
  let dir: string;
  let sqlite: Database.Database;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sy-schema-'));
    sqlite = new Database(join(dir, 'db.sqlite'));
    sqlite.pragma('foreign_keys = ON');
  });
  afterAll(() => {
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates to the latest version, and a second run is a no-op', () => {
    expect(migrateSqlite(sqlite)).toBe(latest('sqlite'));
    const before = sqlite.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    expect(migrateSqlite(sqlite)).toBe(latest('sqlite'));
    expect(sqlite.pragma('user_version', { simple: true })).toBe(latest('sqlite'));
    expect(sqlite.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()).toEqual(before);
  });

  it('has exactly the tables and columns of COLUMNS', () => {
    expect(sqliteColumns(sqlite)).toEqual(COLUMNS);
  });

  it('has the search index\'s queue, and a trigger that queues a deleted execution', () => {
    expect((sqlite.pragma('table_info(execution_search_queue)') as { name: string }[]).map((c) => c.name)).toEqual(['seq', 'execution_id']);
    expect(sqlite.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'execution_search%' ORDER BY name").pluck().all()).toEqual(['execution_search_forget', 'execution_search_queue']);
  });
});

describePg('postgres schema', () => {
  let db: FreshDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await freshDatabase('schema');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    expect(await migratePostgres(pool)).toBe(latest('postgres'));
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('has exactly the tables and columns of COLUMNS', async () => {
    expect(await postgresColumns(pool)).toEqual(COLUMNS);
  });

  it('has the keys and indexes of the sqlite schema, plus the queue indexes', async () => {
    const sqlite = new Database(':memory:');
    migrateSqlite(sqlite);
    const expected = [...sqliteKeys(sqlite), ...PG_ONLY_INDEXES].sort();
    sqlite.close();
    expect(await postgresKeys(pool)).toEqual(expected);
  });

  it('does nothing when migrated again', async () => {
    const before = (await pool.query('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')).rows;
    expect(await migratePostgres(pool)).toBe(latest('postgres'));
    expect((await pool.query('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')).rows).toEqual(before);
  });
});

describePg('postgres migrations from several processes', () => {
  let db: FreshDatabase | undefined;
  const pools: pg.Pool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
    await db?.drop();
  });

  it('apply each migration once when processes start together', async () => {
    db = await freshDatabase('migrate_race');
    // One pool each, as separate processes would have.
    for (let i = 0; i < 3; i++) pools.push(new pg.Pool({ connectionString: db.url, max: 1 }));
    const versions = await Promise.all(pools.map((p) => migratePostgres(p)));
    expect(versions).toEqual(pools.map(() => latest('postgres')));
    const rows = (await pools[0]!.query<{ version: number; n: string }>('SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version')).rows;
    // Every file's number once (numbers are handed out per branch, so a gap can exist until a merge fills it).
    expect(rows.map((r) => [r.version, Number(r.n)])).toEqual(migrationNumbers('postgres').map((v) => [v, 1]));
    expect(await postgresColumns(pools[0]!)).toEqual(COLUMNS);
    // The lock is released: nothing is left holding it.
    const held = await pools[0]!.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    expect(Number(held.rows[0].n)).toBe(0);
  });
});

function columnClass(type: string, nullable: boolean): string {
  const base = /^(text)$/i.test(type) ? 'text' : /^(integer|bigint)$/i.test(type) ? 'integer' : `unexpected type ${type}`;
  return nullable ? `${base}?` : base;
}

function sqliteTables(sqlite: Database.Database): string[] {
  return (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all() as { name: string }[])
    .map((r) => r.name)
    .filter((name) => !SQLITE_SEARCH.test(name));
}

function sqliteColumns(sqlite: Database.Database): Columns {
  const out: Columns = {};
  for (const table of sqliteTables(sqlite)) {
    const cols = sqlite.pragma(`table_info(${table})`) as { name: string; type: string; notnull: number; pk: number }[];
    // A primary key column counts as NOT NULL: it is so for INTEGER PRIMARY KEY and WITHOUT ROWID
    // tables, and the rest only accept NULL through an old SQLite quirk that no code relies on.
    out[table] = Object.fromEntries(cols.map((c) => [c.name, columnClass(c.type, c.notnull === 0 && c.pk === 0)]));
  }
  return out;
}

async function postgresColumns(pool: pg.Pool): Promise<Columns> {
  const { rows } = await pool.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY table_name, ordinal_position`,
  );
  const out: Columns = {};
  for (const r of rows) (out[r.table_name] ??= {})[r.column_name] = columnClass(r.data_type, r.is_nullable === 'YES');
  return out;
}

/** Primary keys, unique constraints, foreign keys and the names of explicit indexes, one line each. */
function sqliteKeys(sqlite: Database.Database): string[] {
  const out: string[] = [];
  for (const table of sqliteTables(sqlite)) {
    const cols = (sqlite.pragma(`table_info(${table})`) as { name: string; pk: number }[]).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    out.push(`primary key ${table}(${cols.map((c) => c.name).join(',')})`);
    for (const idx of sqlite.pragma(`index_list(${table})`) as { name: string; origin: string }[]) {
      if (idx.origin === 'c') out.push(`index ${idx.name}`);
      if (idx.origin === 'u') {
        const on = (sqlite.pragma(`index_info(${idx.name})`) as { seqno: number; name: string }[]).sort((a, b) => a.seqno - b.seqno);
        out.push(`unique ${table}(${on.map((c) => c.name).join(',')})`);
      }
    }
    for (const fk of sqlite.pragma(`foreign_key_list(${table})`) as { table: string; from: string; to: string; on_delete: string }[]) {
      out.push(`foreign key ${table}(${fk.from}) -> ${fk.table}(${fk.to}) on delete ${fk.on_delete.toLowerCase()}`);
    }
  }
  return out.sort();
}

async function postgresKeys(pool: pg.Pool): Promise<string[]> {
  const cols = (rel: string, keys: string) =>
    `(SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(${keys}) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.attnum)`;
  const constraints = await pool.query<{ contype: string; tbl: string; cols: string; ref: string; refcols: string; confdeltype: string }>(
    `SELECT c.contype, c.conrelid::regclass::text AS tbl, ${cols('c.conrelid', 'c.conkey')} AS cols,
            c.confrelid::regclass::text AS ref, ${cols('c.confrelid', 'c.confkey')} AS refcols, c.confdeltype
     FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
     WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f') AND c.conrelid::regclass::text <> 'schema_migrations'`,
  );
  const onDelete: Record<string, string> = { a: 'no action', c: 'cascade', r: 'restrict', n: 'set null', d: 'set default' };
  const out = constraints.rows.map((c) =>
    c.contype === 'p'
      ? `primary key ${c.tbl}(${c.cols})`
      : c.contype === 'u'
        ? `unique ${c.tbl}(${c.cols})`
        : `foreign key ${c.tbl}(${c.cols}) -> ${c.ref}(${c.refcols}) on delete ${onDelete[c.confdeltype]}`,
  );
  const indexes = await pool.query<{ indexname: string }>(
    `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`,
  );
  out.push(...indexes.rows.map((r) => `index ${r.indexname}`));
  return out.sort();
}
