/**
 * The SQLite rows of this checkout against an earlier commit's, on this machine, in one run:
 * `npx tsx bench/against.ts <commit> [rounds=5]`. The commit is checked out in a temporary git
 * worktree sharing this node_modules (it must need no package this one lacks); the two trees'
 * `bench/run.ts --only=ack,e2e,backlog` then alternate, round after round, so drift of a shared
 * machine falls on both alike. Prints every round and the medians. Not a test: nothing fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './lib.ts';

const [rev, roundsArg = '5'] = process.argv.slice(2);
if (!rev) throw new Error('usage: npx tsx bench/against.ts <commit> [rounds]');
const rounds = Number(roundsArg);
const METRICS = {
  ack: 'accepted req/s (fsync before 202)',
  e2e: 'executions completed/s at saturation',
  'e2e accepted': 'accepted/s during saturation',
  backlog: '20000 queued executions drained/s',
} as const;
type Name = keyof typeof METRICS;

const other = join(mkdtempSync(join(tmpdir(), 'switchyard-against-')), 'tree');
const git = (...args: string[]) => {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
};
git('worktree', 'add', '--detach', other, rev);
symlinkSync(join(root, 'node_modules'), join(other, 'node_modules'));

function runOnce(tree: string): Partial<Record<Name, number>> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only=ack,e2e,backlog'], { cwd: tree, encoding: 'utf8', timeout: 600_000 });
  const out: Partial<Record<Name, number>> = {};
  for (const [name, metric] of Object.entries(METRICS) as [Name, string][]) {
    const line = r.stdout.split('\n').find((l) => l.trim().startsWith(metric));
    const value = line ? Number(line.slice(line.indexOf(metric) + metric.length).trim().split(/\s+/)[0]) : NaN;
    if (Number.isFinite(value)) out[name] = value;
  }
  return out;
}

const results: Record<'then' | 'now', Partial<Record<Name, number>>[]> = { then: [], now: [] };
try {
  for (let i = 1; i <= rounds; i++) {
    for (const [side, tree] of [['then', other], ['now', root]] as const) {
      const r = runOnce(tree);
      results[side].push(r);
      console.log(`round ${i} ${side === 'then' ? rev : 'this checkout'}: ${JSON.stringify(r)}`);
    }
  }
} finally {
  git('worktree', 'remove', '--force', other);
  rmSync(join(other, '..'), { recursive: true, force: true });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(`\nmedians over ${rounds} alternating rounds`);
console.log(`${'row'.padEnd(14)}${rev.slice(0, 12).padStart(14)}${'this checkout'.padStart(16)}${'change'.padStart(10)}`);
for (const name of Object.keys(METRICS) as Name[]) {
  const a = median(results.then.map((r) => r[name]).filter((v): v is number => v !== undefined));
  const b = median(results.now.map((r) => r[name]).filter((v): v is number => v !== undefined));
  console.log(`${name.padEnd(14)}${String(Math.round(a)).padStart(14)}${String(Math.round(b)).padStart(16)}${`${(((b - a) / a) * 100).toFixed(0)} %`.padStart(10)}`);
}
