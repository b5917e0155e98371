/**
 * Statements per execution in PostgreSQL mode: runs webhook → transform → sink (1 `web` + N
 * `worker`, or one `all` process with `ack`) at a fixed rate, then prints pg_stat_statements for the
 * scenario's database: calls, rows and server time per finished execution, by statement. Needs a
 * PostgreSQL with pg_stat_statements in shared_preload_libraries (BENCH_DATABASE_URL), e.g. a
 * throwaway cluster:
 *   initdb -D $D -A trust; pg_ctl -D $D -o "-p 55432 -c shared_preload_libraries=pg_stat_statements" start
 * Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres npx tsx bench/pg-statements.ts [e2e|ack] [workers] [rate] [seconds]
 */
import pg from 'pg';
import { load } from './lib.ts';
import { ADMIN_URL, cpuSeconds, drain, withDatabase, withScenario, type Role } from './postgres.ts';

const [kind = 'e2e', workersArg = '1', rateArg = '200', secsArg = '5'] = process.argv.slice(2);
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
await withDatabase(`stmts_${kind}`, async (b) => {
  const roles: Role[] = kind === 'e2e' ? ['web', ...Array<Role>(Number(workersArg)).fill('worker')] : ['all'];
  await withScenario(b, { e2e: kind === 'e2e', roles, warmRate: 100 }, async ({ sy, hookUrl }) => {
    await new Promise((r) => setTimeout(r, 1500));
    await admin.query('SELECT pg_stat_statements_reset()');
    const cpu0 = sy.procs.map((p) => cpuSeconds(p.child.pid!) ?? 0);
    const t0 = Date.now();
    const rate = Number(rateArg);
    const r = await load({ url: hookUrl, duration: Number(secsArg), connections: rate > 0 ? 10 : 50, ...(rate > 0 ? { overallRate: rate } : {}) });
    await drain(b.db);
    const secs = (Date.now() - t0) / 1000;
    const cpu = sy.procs.map((p, i) => `${p.role} ${Math.round((((cpuSeconds(p.child.pid!) ?? 0) - cpu0[i]!) * 1e6) / Math.max(1, r.ok))} µs`);
    const n = Number((await b.db.query(`SELECT count(*)::int AS n FROM executions WHERE created_at >= $1 AND status = 'success'`, [t0])).rows[0].n);
    const { rows } = await admin.query(
      `SELECT s.calls::float8 AS calls, s.rows::float8 AS rows, s.total_exec_time AS ms, s.total_plan_time AS plan, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) AS q
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 ORDER BY s.calls DESC`,
      [b.name],
    );
    const calls = rows.reduce((a, x) => a + x.calls, 0);
    const ms = rows.reduce((a, x) => a + x.ms, 0);
    console.log(`${kind}, ${roles.join('+')}, ${rate > 0 ? `${rate}/s` : 'saturation'}: ${r.ok} accepted (${r.rps}/s), ${n} finished; over ${secs.toFixed(1)} s incl. drain`);
    console.log(`CPU per execution (load and drain): ${cpu.join(', ')}`);
    console.log(`statements per execution: ${(calls / n).toFixed(2)}, server time per execution: ${((ms / n) * 1000).toFixed(0)} µs\n`);
    console.log(' calls/ex   rows/call  exec µs/ex  plan µs/ex   statement');
    for (const x of rows.slice(0, 30))
      console.log(`${(x.calls / n).toFixed(3).padStart(9)}  ${(x.rows / Math.max(1, x.calls)).toFixed(1).padStart(9)}  ${((x.ms / n) * 1000).toFixed(0).padStart(10)}  ${((x.plan / n) * 1000).toFixed(0).padStart(10)}   ${x.q}`);
  });
});
await admin.end();
