/** Runs the real server as a child process (node --import tsx server/main.ts), for crash and browser tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type ServerProcess = { child: ChildProcess; port: number; base: string; output: () => string; exited: Promise<number | null> };

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const onData = () => {
      const m = /"msg":"switchyard listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"msg":"switchyard listening"/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(Number(m[1] ?? m[2]));
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`server exited (${code}):\n${out}`)));
  });
  return { child, port, base: `http://127.0.0.1:${port}`, output: () => out, exited };
}

/** Sets up the owner on a fresh server and returns an API key. */
export async function ownerKey(base: string): Promise<string> {
  const setup = await fetch(`${base}/api/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@example.com', password: 'correct horse battery' }) });
  const cookie = setup.headers.get('set-cookie')!.split(';')[0]!;
  const key = await fetch(`${base}/api/api-keys`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, origin: base }, body: '{"label":"test"}' });
  return ((await key.json()) as { key: string }).key;
}
