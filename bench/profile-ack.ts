/**
 * CPU profile of the webhook-ack scenario: the server (the production bundle) runs under
 * --cpu-prof while autocannon loads a webhook → transform workflow; prints where the time goes
 * (self time by function and by file) and leaves the .cpuprofile in bench/results/ (not committed).
 * Run: npx tsx bench/profile-ack.ts
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiKey, createActive, load, root, startSwitchyard } from './lib.ts';

const outDir = join(root, 'bench/results');
const before = new Set(readdirSync(outDir));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-prof-'));
const sy = await startSwitchyard({ DATA_DIR: dir }, ['--cpu-prof', `--cpu-prof-dir=${outDir}`, '--cpu-prof-name=ack.cpuprofile']);
const base = `http://127.0.0.1:${sy.port}`;
const key = await apiKey(base);
const { hookUrl } = await createActive(base, key, {
  name: 'profile',
  nodes: [
    { id: 'hook', type: 'trigger.webhook', config: {} },
    { id: 'shape', type: 'data.transform', config: { expression: '{ "email": input.body.email, "plan": input.body.plan }' } },
  ],
  edges: [{ id: 'e', source: 'hook', target: 'shape' }],
});
console.log(await load({ url: hookUrl, duration: 8 }));
await sy.stop();
rmSync(dir, { recursive: true, force: true });

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };
const file = readdirSync(outDir).find((f) => f.endsWith('.cpuprofile') && (!before.has(f) || f === 'ack.cpuprofile'))!;
const prof = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const fns = new Map<string, number>();
const files = new Map<string, number>();
let total = 0;
prof.samples.forEach((id, i) => {
  const cf = byId.get(id)!.callFrame;
  const dt = prof.timeDeltas[i] ?? 0;
  total += dt;
  const fn = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber}`;
  fns.set(fn, (fns.get(fn) ?? 0) + dt);
  const f = cf.url.replace(`file://${root}`, '').replace(/^\//, '') || '(native, GC, idle)';
  files.set(f, (files.get(f) ?? 0) + dt);
});
const top = (m: Map<string, number>, n: number) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`).join('\n');
console.log(`\nself time by function (${(total / 1e6).toFixed(1)} s sampled, ${file})\n${top(fns, 25)}\n\nby file\n${top(files, 15)}`);
