import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiKey, createActive, load } from './lib.ts';
const dir = mkdtempSync(join(tmpdir(), 'prof-'));
const port = 39123;
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof/out', '--import', 'tsx', 'server/main.ts'], { cwd: '/work/main', env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: dir, LOG_LEVEL: 'warn' }, stdio: 'inherit' });
for (;;) { try { if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) break; } catch {} await new Promise(r => setTimeout(r, 100)); }
const base = `http://127.0.0.1:${port}`;
const key = await apiKey(base);
const { hookUrl } = await createActive(base, key, { name: 'p', nodes: [ { id: 'hook', type: 'trigger.webhook', config: {} }, { id: 'shape', type: 'data.transform', config: { expression: '{ "email": input.body.email }' } } ], edges: [{ id: 'e', source: 'hook', target: 'shape' }] });
const r = await load({ url: hookUrl, duration: 6 });
console.log(r);
child.kill('SIGINT');
await new Promise(r => child.on('exit', r));
