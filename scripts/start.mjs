// `npm start`: builds the editor (web/dist) and the server bundle (dist/server.mjs) when either is
// missing or older than its sources, then runs the server in this process.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildServer, newestMtime, serverEnv } from './build-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'web/dist/index.html');
const webSrc = join(root, 'web/src');

if (existsSync(webSrc) && (!existsSync(dist) || Math.max(newestMtime(webSrc), newestMtime(join(root, 'shared'))) > statSync(dist).mtimeMs)) {
  console.log('building the editor (web/dist)…');
  const r = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const bundle = await buildServer();
const needsEnv = Object.entries(serverEnv).filter(([k, v]) => process.env[k] !== v);
if (needsEnv.length === 0) {
  await import(pathToFileURL(bundle).href);
} else {
  // The allocator reads its settings at process start, so the server runs as a child that has them.
  const child = spawn(process.execPath, [bundle], { cwd: root, stdio: 'inherit', env: { ...process.env, ...serverEnv } });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
