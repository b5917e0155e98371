import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Projects over one pool (maxWorkers 2 for the whole run):
 *  - `sqlite`: everything, as before: unit tests, the store and engine suites (which run over both
 *    dialects themselves), and the integration suite under test/ on SQLite;
 *  - `postgres`: the integration suite under test/ again, with SWITCHYARD_TEST_DB=postgres, so
 *    test/helpers/boot.ts gives every server a fresh PostgreSQL database of its own (issue 11:
 *    the whole suite on both dialects);
 *  - `cluster`: test/cluster/, several server processes on one PostgreSQL database (PostgreSQL by
 *    nature, so once). Run after the other two (sequence.groupOrder): each file keeps four
 *    processes busy, and beside them the time-boxed tests of the others (routes, fuzz, expression
 *    budgets) starve on two cores.
 * Pick one with `npx vitest run --project postgres`.
 */
/**
 * Whether the tests can find a PostgreSQL the way test/helpers/postgres.ts looks for one:
 * TEST_DATABASE_URL, a server on 127.0.0.1:5432, or Debian's binaries for a throwaway cluster.
 */
async function postgresFindable(): Promise<boolean> {
  if (process.env.TEST_DATABASE_URL) return true;
  const root = '/usr/lib/postgresql';
  if (existsSync(root) && readdirSync(root).some((v) => existsSync(`${root}/${v}/bin/initdb`))) return true;
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 5432, timeout: 1000 });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.once('connect', () => done(true)).once('error', () => done(false)).once('timeout', () => done(false));
  });
}

export default defineConfig(async () => {
  const projects: TestProjectInlineConfiguration[] = [
    {
      extends: true,
      test: {
        name: 'sqlite',
        include: ['shared/**/*.test.ts', 'server/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
        exclude: [...configDefaults.exclude, 'test/cluster/**'],
      },
    },
  ];
  // Outside CI, `npm test` needs nothing but Node.js: without any PostgreSQL the second run of the
  // suite is left out, loudly. In CI it always runs (and fails, saying what is missing).
  if (process.env.CI === 'true' || (await postgresFindable())) {
    projects.push({
      extends: true,
      test: {
        name: 'postgres',
        include: ['test/**/*.test.ts'],
        sequence: { groupOrder: 0 },
        // No test database in these: they run the engine or the outbound client directly, or start
        // refused processes covering both modes themselves. A second run here would repeat the
        // first exactly.
        exclude: [
          ...configDefaults.exclude,
          'test/cluster/**',
          'test/security/hostile-expressions.test.ts',
          'test/security/ssrf.test.ts',
          'test/api/startup-refusals.test.ts',
        ],
        env: { SWITCHYARD_TEST_DB: 'postgres' },
      },
    });
    projects.push({
      extends: true,
      test: {
        name: 'cluster',
        include: ['test/cluster/**/*.test.ts'],
        sequence: { groupOrder: 1 },
      },
    });
  } else {
    process.stderr.write('\n!!! PostgreSQL tests SKIPPED: no TEST_DATABASE_URL, nothing on 127.0.0.1:5432, no /usr/lib/postgresql/*/bin/initdb\n\n');
  }
  return {
    test: {
      environment: 'node',
      pool: 'forks',
      testTimeout: 30_000,
      hookTimeout: 60_000,
      // Tests that start servers and Chromium share 2 cores; keep parallelism modest.
      maxWorkers: 2,
      projects,
    },
  };
});
