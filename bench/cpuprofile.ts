/** Reads a V8 .cpuprofile and sums self time by function and by file (bench/profile-pg.ts). */
import { readFileSync } from 'node:fs';
import { root } from './lib.ts';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };

export function summarize(path: string, n = 25): { text: string; busyMs: number; totalMs: number } {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((x) => [x.id, x]));
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  let idle = 0;
  prof.samples.forEach((id, i) => {
    const cf = byId.get(id)!.callFrame;
    const dt = prof.timeDeltas[i] ?? 0;
    total += dt;
    if (cf.functionName === '(idle)') idle += dt;
    const fn = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber}`;
    fns.set(fn, (fns.get(fn) ?? 0) + dt);
    const f = cf.url.replace(`file://${root}`, '').replace(/^\//, '') || `(native) ${cf.functionName}`;
    files.set(f, (files.get(f) ?? 0) + dt);
  });
  const top = (m: Map<string, number>, k: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${name}`).join('\n');
  return { text: `self time by function\n${top(fns, n)}\n\nby file\n${top(files, 15)}`, busyMs: (total - idle) / 1000, totalMs: total / 1000 };
}
