/**
 * Where tests find PostgreSQL (issue 11), first that works: TEST_DATABASE_URL; a server on
 * 127.0.0.1:5432 with trust auth; else a throwaway cluster from Debian's binaries
 * (/usr/lib/postgresql/N/bin), shared by every test process of this OS user and stopped when the
 * last of them exits. Outside CI a machine without any of these skips the PostgreSQL suites,
 * loudly; in CI (CI=true) that is an error.
 *
 * TEST_PG_THROWAWAY=1 skips the first two, to exercise the throwaway cluster.
 *
 * @example
 *   describePg('claims', () => {
 *     let db: Awaited<ReturnType<typeof freshDatabase>>;
 *     beforeAll(async () => (db = await freshDatabase('claims')));
 *     afterAll(() => db.drop());
 *     it('…', async () => { const pool = new pg.Pool({ connectionString: db.url }); … });
 *   });
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe } from 'vitest';
import { migratePostgres } from '../../server/db/migrate.ts';

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const PORT = 55432;
const isRoot = process.getuid?.() === 0;
/** The throwaway cluster's data directory, which also holds its Unix socket (no TCP port to collide on). */
const CLUSTER_DIR = join(tmpdir(), `switchyard-test-pg-${process.getuid?.() ?? 'user'}`);
/** Serialises starting, joining and stopping the cluster across processes. */
const LOCK = `${CLUSTER_DIR}.lock`;
/** One empty file per process using the cluster, named by its pid; the last one out stops it. */
const HOLDERS = `${CLUSTER_DIR}.holders`;
const CLUSTER_URL = `postgres://postgres@localhost:${PORT}/postgres?host=${encodeURIComponent(CLUSTER_DIR)}`;

export type Admin = { url: string } | { skip: string };

let admin: Promise<Admin> | undefined;

/**
 * A superuser URL of the PostgreSQL tests should use (looked up once per process), or why there
 * is none. In CI it never skips: it throws, saying what is missing.
 */
export function postgresAdmin(): Promise<Admin> {
  return (admin ??= locate());
}

async function locate(): Promise<Admin> {
  const forceCluster = process.env.TEST_PG_THROWAWAY === '1';
  const given = process.env.TEST_DATABASE_URL;
  if (given && !forceCluster) {
    // Named explicitly: not answering is a broken setup, not a reason to skip.
    const err = await unanswered(given, 5000);
    if (err) throw new Error(`TEST_DATABASE_URL does not answer: ${err}`);
    return { url: given };
  }
  if (!forceCluster && !(await unanswered(LOCAL_URL, 1000))) return { url: LOCAL_URL };
  const bin = postgresBin();
  const why = forceCluster ? 'TEST_PG_THROWAWAY=1' : 'TEST_DATABASE_URL is unset and nothing answers on 127.0.0.1:5432';
  if (!bin) return unavailable(`${why}, and there is no /usr/lib/postgresql/*/bin/initdb to start one (apt-get install postgresql)`);
  try {
    joinCluster(bin);
  } catch (err) {
    return unavailable(`${why}, and the throwaway cluster in ${CLUSTER_DIR} did not start: ${(err as Error).message}`);
  }
  const err = await unanswered(CLUSTER_URL, 5000);
  if (err) return unavailable(`the throwaway cluster in ${CLUSTER_DIR} runs but does not answer: ${err}`);
  return { url: CLUSTER_URL };
}

function unavailable(reason: string): Admin {
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI (CI=true), but ${reason}`);
  return { skip: reason };
}

/** undefined if `url` answers a query within `timeoutMs`, else what went wrong. */
async function unanswered(url: string, timeoutMs: number): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {}); // reported by connect()/query() below
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => {}); // a client that never connected has nothing to close
  }
}

let adminPool: pg.Pool | undefined;
let counter = 0;

export type FreshDatabase = { url: string; drop(): Promise<void> };

export type FreshOptions = {
  label?: string;
  /**
   * Already migrated to the current server/db/migrations/postgres: a clone of a template database
   * migrated once per schema (see migratedTemplate), about half the cost of creating one and
   * migrating it. Without it the database is empty.
   */
  migrated?: boolean;
};

/**
 * A database of its own (UTF-8, byte-order collation like SQLite's, whatever the server's
 * default), named `sy_test_<pid>_<n>_<random>[_label]`: empty, or with `{ migrated: true }` a
 * clone of the migrated template. drop() removes it, closing any connection left open. Creating
 * takes ~50–150 ms (a few hundred on a busy machine); dropping ~20–200 ms.
 */
export async function freshDatabase(labelOrOptions?: string | FreshOptions): Promise<FreshDatabase> {
  const opts: FreshOptions = typeof labelOrOptions === 'string' ? { label: labelOrOptions } : (labelOrOptions ?? {});
  const { url, pool } = await adminConnection();
  const tag = opts.label ? `_${opts.label.toLowerCase().replace(/[^a-z0-9]+/g, '_')}` : '';
  const name = `sy_test_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}${tag}`.slice(0, 63);
  if (opts.migrated) await cloneTemplate(pool, name);
  // template0 + explicit encoding and collation (PostgreSQL 15+): the same database on every machine.
  else await pool.query(`CREATE DATABASE "${name}" TEMPLATE template0 ${DATABASE_OPTIONS}`);
  return { url: withDatabase(url, name), drop: () => dropDatabaseNamed(name) };
}

const DATABASE_OPTIONS = `ENCODING 'UTF8' LOCALE_PROVIDER libc LC_COLLATE 'C' LC_CTYPE 'C'`;
const MIGRATIONS_DIR = fileURLToPath(new URL('../../server/db/migrations/postgres', import.meta.url));
/** Serialises building templates across processes and machines sharing the server (any fixed key). */
const TEMPLATE_LOCK = '7243019455611530017';
/** Templates of other schemas built longer ago than this are dropped when a new one is built. */
const STALE_TEMPLATE_MS = 60 * 60_000;

/**
 * The name of the template for the migrations as they are now: a hash of every file under
 * server/db/migrations/postgres (names and contents), so any change to them builds a new one.
 */
export function templateName(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) h.update(`${f}\0`).update(readFileSync(join(MIGRATIONS_DIR, f))).update('\0');
  return `sy_template_${h.digest('hex').slice(0, 16)}`;
}

let template: Promise<string> | undefined;

/**
 * The migrated template, built once per schema: the first process to need it takes an advisory
 * lock (so processes starting together build it once), creates it from template0, migrates it with
 * migratePostgres, and only then marks it a template that refuses connections — a template half
 * built by a process killed meanwhile is not one yet, and is built again. Looked up once per process.
 */
function migratedTemplate(pool: pg.Pool, url: string): Promise<string> {
  const p = (template ??= buildTemplate(pool, url));
  p.catch(() => {
    if (template === p) template = undefined; // the next call tries again
  });
  return p;
}

async function buildTemplate(pool: pg.Pool, url: string): Promise<string> {
  const name = templateName();
  const ready = async () => (await pool.query('SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate', [name])).rowCount === 1;
  if (await ready()) return name;
  // A dedicated session for the lock: ending it releases the lock, whatever happened.
  const lock = new pg.Client({ connectionString: url });
  lock.on('error', () => {});
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(${TEMPLATE_LOCK})`);
    if (await ready()) return name;
    await pool.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await pool.query(`CREATE DATABASE "${name}" TEMPLATE template0 ${DATABASE_OPTIONS}`);
    const migrating = new pg.Pool({ connectionString: withDatabase(url, name), max: 1 });
    migrating.on('error', () => {});
    try {
      await migratePostgres(migrating);
    } finally {
      await migrating.end();
    }
    // No connection may stay open on a template while it is cloned: refuse new ones, and let the
    // migration's backend finish exiting.
    await pool.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
    await noConnections(pool, name, 5000);
    await pool.query(`COMMENT ON DATABASE "${name}" IS 'switchyard test template, built ${Date.now()}'`);
    await pool.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE true`);
    await dropStaleTemplates(pool, name);
    return name;
  } finally {
    await lock.end().catch(() => {});
  }
}

/** Templates of other migrations built over an hour ago (a checkout whose migrations changed since). */
async function dropStaleTemplates(pool: pg.Pool, keep: string): Promise<void> {
  const { rows } = await pool.query<{ datname: string; note: string | null }>(
    `SELECT datname, shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname LIKE 'sy\\_template\\_%' AND datname <> $1`,
    [keep],
  );
  for (const { datname, note } of rows) {
    const built = Number(/built (\d+)/.exec(note ?? '')?.[1] ?? 0);
    if (Date.now() - built < STALE_TEMPLATE_MS || !/^sy_template_[0-9a-f]+$/.test(datname)) continue;
    await pool.query(`ALTER DATABASE "${datname}" WITH IS_TEMPLATE false`).catch(() => {});
    await pool.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
  }
}

async function noConnections(pool: pg.Pool, name: string, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; ; ) {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
    if (rows[0]!.n === 0) return;
    if (Date.now() > end) throw new Error(`${rows[0]!.n} connection(s) still open on ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * CREATE DATABASE … TEMPLATE: a copy of the migrated template. Retried when the template is busy
 * (55006: a connection on it) or gone (3D000: dropped as stale by a run of other migrations, so
 * it is built again).
 */
async function cloneTemplate(pool: pg.Pool, name: string): Promise<void> {
  const url = (await adminConnection()).url;
  for (let attempt = 1; ; attempt++) {
    const tpl = await migratedTemplate(pool, url);
    try {
      await pool.query(`CREATE DATABASE "${name}" TEMPLATE "${tpl}"`);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 20 || (code !== '55006' && code !== '3D000')) throw err;
      if (code === '3D000') template = undefined;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    }
  }
}

/**
 * Drops a database freshDatabase() made, by name (for a URL kept longer than its handle), closing
 * any connection left open. Refuses names freshDatabase() would not make.
 */
export async function dropDatabaseNamed(name: string): Promise<void> {
  if (!/^sy_test_[a-z0-9_]+$/.test(name)) throw new Error(`not a test database: ${JSON.stringify(name)}`);
  const { pool } = await adminConnection();
  // A pool just ended leaves its backends exiting for a moment. Terminated by FORCE then, they send
  // their client an error that pg.Pool re-emits as its own 'error' event — fatal to a test whose
  // pool has no listener. So give them that moment, then force out what is still connected (a
  // connection the test leaked).
  for (let waited = 0; waited < 250; waited += 10) {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
    if (rows[0]!.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await pool.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

async function adminConnection(): Promise<{ url: string; pool: pg.Pool }> {
  const found = await postgresAdmin();
  if ('skip' in found) throw new Error(`no PostgreSQL for tests: ${found.skip}`);
  if (!adminPool) {
    adminPool = new pg.Pool({ connectionString: found.url, max: 2, idleTimeoutMillis: 2000, allowExitOnIdle: true });
    // An idle admin connection cut by a server stop must not crash the test process; the next
    // query simply reconnects.
    adminPool.on('error', () => {});
  }
  return { url: found.url, pool: adminPool };
}

/** `url` naming database `name` instead (also for `postgres://user@/db?host=/socket/dir`, which URL refuses). */
function withDatabase(url: string, name: string): string {
  const emptyHost = url.includes('@/');
  const u = new URL(emptyHost ? url.replace('@/', '@__host__/') : url);
  u.pathname = `/${name}`;
  return emptyHost ? u.toString().replace('@__host__/', '@/') : u.toString();
}

// ---------------------------------------------------------------------------------------------
// The throwaway cluster. Test files run in separate processes (vitest forks), several at once and
// one after another, so the cluster is shared: whoever finds it stopped starts it (initdb once,
// the data directory is reused by later runs), each user registers in HOLDERS, and the last
// user to exit stops it. All of it runs under LOCK, so a process joining never meets one that is
// stopping. Everything here is synchronous because it also runs in exit and signal handlers.
// A user killed outright (SIGKILL) leaves a stale pid, pruned by the next user: at worst the
// cluster stays running, never does it stop under a test.

/** The newest PostgreSQL's bin directory under /usr/lib/postgresql, if any. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  return readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, 'bin'))[0];
}

/** The command line that runs a PostgreSQL server binary as its owner: initdb and pg_ctl refuse to run as root. */
export function ownerCommand(cmd: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

/** Runs a PostgreSQL server binary as its owner, synchronously. */
export function asOwner(cmd: string, args: string[]): SpawnSyncReturns<string> {
  const [file, argv] = ownerCommand(cmd, args);
  const r = spawnSync(file, argv, { cwd: tmpdir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  if (r.error) throw r.error;
  return r;
}

function check(r: SpawnSyncReturns<string>, what: string): void {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim()}`);
}

function isRunning(bin: string): boolean {
  // 0: running; 3: not running; 4: no usable data directory.
  return existsSync(join(CLUSTER_DIR, 'PG_VERSION')) && asOwner(join(bin, 'pg_ctl'), ['status', '-D', CLUSTER_DIR]).status === 0;
}

/** 0: accepting connections; 1: rejecting them (shutting down, starting); 2: no answer. */
function readiness(bin: string): number | null {
  return spawnSync(join(bin, 'pg_isready'), ['-q', '-h', CLUSTER_DIR, '-p', String(PORT), '-t', '5'], { timeout: 10_000 }).status;
}

/** `wait: false` only signals the server: exit handlers must be quick (vitest SIGKILLs a worker 0.5 s after SIGTERM). */
function stopCluster(bin: string, wait: boolean): void {
  check(asOwner(join(bin, 'pg_ctl'), ['stop', wait ? '-w' : '-W', '-m', 'fast', '-D', CLUSTER_DIR]), 'pg_ctl stop');
}

/** Whether this process is registered in HOLDERS; the exit and signal hooks are installed once. */
let holding = false;
let hooked = false;

function joinCluster(bin: string): void {
  withLock(60_000, () => {
    if (isRunning(bin) && readiness(bin) !== 0) {
      // Still shutting down after the last user left (stops do not wait), or left half started
      // by a process killed meanwhile: let it finish stopping, then start afresh.
      stopCluster(bin, true);
    }
    if (!isRunning(bin)) startCluster(bin);
    mkdirSync(HOLDERS, { recursive: true });
    writeFileSync(join(HOLDERS, String(process.pid)), '');
  });
  holding = true;
  if (!hooked) {
    hooked = true;
    process.on('exit', () => leaveCluster());
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const onSignal = () => {
        leaveCluster();
        process.off(signal, onSignal);
        // Die of the signal as we would have without this handler (unless someone else handles it).
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      };
      process.on(signal, onSignal);
    }
  }
}

function startCluster(bin: string): void {
  const version = basename(dirname(bin));
  const pgVersion = join(CLUSTER_DIR, 'PG_VERSION');
  // Made by another major version (PostgreSQL upgraded since): start over.
  if (!existsSync(pgVersion) || readFileSync(pgVersion, 'utf8').trim() !== version) {
    rmSync(CLUSTER_DIR, { recursive: true, force: true });
    mkdirSync(CLUSTER_DIR, { mode: 0o700 });
    if (isRoot) chownSync(CLUSTER_DIR, ownerId('-u'), ownerId('-g'));
    // --no-sync: a crash of this machine during initdb only costs a new initdb; the server itself
    // runs with fsync on (crash tests rely on it).
    check(asOwner(join(bin, 'initdb'), ['-D', CLUSTER_DIR, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']), 'initdb');
  }
  const options = `-c listen_addresses='' -k '${CLUSTER_DIR}' -p ${PORT} -c fsync=on`;
  const log = join(CLUSTER_DIR, 'server.log');
  const started = asOwner(join(bin, 'pg_ctl'), ['start', '-w', '-t', '30', '-D', CLUSTER_DIR, '-l', log, '-o', options]);
  if (started.status !== 0) {
    const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-8).join('\n') : '';
    throw new Error(`pg_ctl start failed: ${(started.stderr || started.stdout).trim()}\n${tail}`);
  }
  // Nobody used the cluster while it was stopped: databases of test processes killed before
  // their drop() are leftovers.
  const psql = spawnSync(join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', CLUSTER_DIR, '-p', String(PORT), '-U', 'postgres', '-d', 'postgres'], {
    input: `SELECT format('DROP DATABASE %I WITH (FORCE)', datname) FROM pg_database WHERE datname LIKE 'sy\\_test\\_%' \\gexec\n`,
    encoding: 'utf8',
    timeout: 30_000,
  });
  check(psql, 'dropping leftover test databases');
}

/** The uid or gid of user postgres, who must own a cluster's directory. */
export function ownerId(flag: '-u' | '-g'): number {
  const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const id = Number(r.stdout.trim());
  if (r.status !== 0 || !Number.isInteger(id)) throw new Error(`no user postgres to own the cluster (id ${flag} postgres: ${r.stderr.trim()})`);
  return id;
}

/** Gives up this process's hold; the last holder stops the cluster. Returns whether it stopped. */
function leaveCluster(wait = false): boolean {
  if (!holding) return false;
  holding = false;
  // Removing our own file needs no lock; deciding that nobody is left does.
  rmSync(join(HOLDERS, String(process.pid)), { force: true });
  const bin = postgresBin();
  if (!bin) return false;
  try {
    return withLock(3000, () => {
      const alive = readdirSync(HOLDERS).filter((pid) => {
        if (isAlive(Number(pid))) return true;
        rmSync(join(HOLDERS, pid), { force: true });
        return false;
      });
      if (alive.length > 0 || !isRunning(bin)) return false;
      stopCluster(bin, wait);
      return true;
    });
  } catch {
    // Exiting anyway: the cluster stays up and the next user that leaves last stops it.
    return false;
  }
}

/**
 * Gives up this process's hold on the throwaway cluster now instead of at exit, stopping it when
 * no other live process holds it. Nothing happens when tests use another server. A later
 * postgresAdmin() looks again (and restarts the cluster if needed).
 */
export async function stopThrowawayCluster(): Promise<{ stopped: boolean }> {
  if (adminPool) await adminPool.end();
  adminPool = undefined;
  const stopped = leaveCluster(true);
  admin = undefined;
  return { stopped };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * A lock file holding its owner's pid, created exclusively. A lock whose owner died (killed while
 * holding it) is taken over; between seeing the dead pid and removing the file the pid is read
 * again, so only a lock that still names the dead owner is removed.
 */
function withLock<T>(timeoutMs: number, fn: () => T): T {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = lockOwner();
    if (owner === 'gone') continue; // released meanwhile
    if (owner === 'stale') {
      if (lockOwner() === 'stale') rmSync(LOCK, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${LOCK} is held by process ${owner}`);
    Atomics.wait(sleeper, 0, 0, 20);
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

function lockOwner(): number | 'stale' | 'gone' {
  try {
    const text = readFileSync(LOCK, 'utf8');
    if (text === '') return Date.now() - statSync(LOCK).mtimeMs > 5000 ? 'stale' : 0; // being written
    const pid = Number(text);
    return isAlive(pid) ? pid : 'stale';
  } catch {
    return 'gone';
  }
}

// Last, so that everything above is initialised when the lookup runs (at import).
const availability = await postgresAdmin();
if ('skip' in availability) process.stderr.write(`\n!!! PostgreSQL tests SKIPPED: ${availability.skip}\n\n`);

/** `describe` for suites that need PostgreSQL: `describe.skip` (after a loud line on stderr) when there is none. */
export const describePg = describe.skipIf('skip' in availability);
