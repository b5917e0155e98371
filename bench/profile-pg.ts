/**
 * CPU profiles of PostgreSQL mode: `e2e` runs 1 `web` + 1 `worker` with webhook → transform → sink,
 * `ack` one `all` process with webhook → transform (the production bundle, each process under
 * --cpu-prof), at a fixed rate or at saturation (rate 0, 50 connections); prints, per process, CPU
 * per finished execution (from /proc, over the load and the drain) and where the time goes.
 * Profiles stay in bench/results/pg-<role>.cpuprofile (ignored by git).
 * Run: npx tsx bench/profile-pg.ts [e2e|ack] [rate=0] [seconds=8]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { summarize } from './cpuprofile.ts';
import { load, root } from './lib.ts';
import { cpuSeconds, drain, withDatabase, withScenario, type Role } from './postgres.ts';

const [kind = 'e2e', rateArg = '0', secsArg = '8'] = process.argv.slice(2);
const rate = Number(rateArg);
const outDir = join(root, 'bench/results');
const file = (role: string) => join(outDir, `pg-${role}.cpuprofile`);
const prof = (role: string) => (rmSync(file(role), { force: true }), ['--cpu-prof', `--cpu-prof-dir=${outDir}`, `--cpu-prof-name=pg-${role}.cpuprofile`]);
const roles: Role[] = kind === 'ack' ? ['all'] : ['web', 'worker'];

await withDatabase('profile', async (b) => {
  let n = 0;
  let cpu: number[] = [];
  const nodeArgs = { all: prof('all'), web: prof('web'), worker: prof('worker') };
  await withScenario(b, { e2e: kind !== 'ack', roles, warmRate: 200, nodeArgs }, async ({ sy, hookUrl }) => {
    const cpu0 = sy.procs.map((p) => cpuSeconds(p.child.pid!) ?? 0);
    const n0 = Number((await b.db.query(`SELECT count(*)::int AS n FROM executions`)).rows[0].n);
    const r = await load({ url: hookUrl, duration: Number(secsArg), ...(rate > 0 ? { overallRate: rate, connections: 10 } : {}) });
    await drain(b.db);
    cpu = sy.procs.map((p, i) => (cpuSeconds(p.child.pid!) ?? 0) - cpu0[i]!);
    n = Number((await b.db.query(`SELECT count(*)::int AS n FROM executions WHERE status = 'success'`)).rows[0].n) - n0;
    console.log(`${kind}, ${rate > 0 ? `${rate}/s` : 'saturation'}: ${r.ok} accepted (${r.rps}/s, p50 ${r.p50} / p99 ${r.p99} ms), ${n} executions finished`);
  });
  for (const [i, role] of roles.entries()) {
    let s: ReturnType<typeof summarize>;
    try {
      s = summarize(file(role));
    } catch {
      continue; // no profile written (the process did not exit cleanly)
    }
    console.log(`\n=== ${role}: ${Math.round((cpu[i]! * 1e6) / Math.max(1, n))} µs CPU per execution (load + drain); profile: ${s.busyMs.toFixed(0)} of ${s.totalMs.toFixed(0)} ms busy, start-up included\n${s.text}`);
  }
});
