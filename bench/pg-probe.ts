/**
 * Where a PostgreSQL-mode scenario waits: samples pg_stat_activity of the scenario's database every
 * 10 ms during the load (state, wait event, query head) and prints the distribution. Not part of the
 * table. Run: npx tsx bench/pg-probe.ts [ack|e2e] [workers] [seconds]
 */
import { load } from './lib.ts';
import { drain, withDatabase, withScenario, type Role } from './postgres.ts';

const [kind = 'ack', workersArg = '1', secsArg = '5'] = process.argv.slice(2);
const seconds = Number(secsArg);
await withDatabase(`probe_${kind}`, async (b) => {
  const roles: Role[] = kind === 'e2e' ? ['web', ...Array<Role>(Number(workersArg)).fill('worker')] : ['all'];
  await withScenario(b, { e2e: kind === 'e2e', roles, warmRate: 300 }, async ({ hookUrl }) => {
    const seen = new Map<string, number>();
    let samples = 0;
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        const { rows } = await b.db.query(
          `SELECT application_name AS app, state, coalesce(wait_event_type || ':' || wait_event, 'CPU') AS w, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS q
             FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle'`,
          [b.name],
        );
        samples++;
        for (const r of rows) {
          const k = `${r.app} | ${r.state} | ${r.w} | ${r.q}`;
          seen.set(k, (seen.get(k) ?? 0) + 1);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const r = await load({ url: hookUrl, duration: seconds });
    stop = true;
    await sampler;
    console.log(r);
    console.log(`${samples} samples; average non-idle backends per sample by (app | state | wait | query):`);
    for (const [k, v] of [...seen].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(v / samples).toFixed(2).padStart(6)}  ${k}`);
    await drain(b.db);
  });
});
