/**
 * Canaries for the security suites: files outside the served directory whose contents must never appear in a
 * response, a watch on the file-system calls that could read them, and a check that no prototype was polluted.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';

export type CanaryFile = { path: string; content: string };

/** Writes a uniquely named file holding a unique secret into each of `dirs`. */
export function plantCanaryFiles(dirs: string[]): { files: CanaryFile[]; name: string; remove(): void } {
  const tag = randomBytes(6).toString('hex');
  const name = `sy-canary-${tag}.txt`;
  const files = dirs.map((dir, i) => {
    const path = join(dir, name);
    const content = `SWITCHYARD-CANARY-${tag}-${i}`;
    fs.writeFileSync(path, content);
    return { path, content };
  });
  return {
    files,
    name,
    remove() {
      for (const f of files) fs.rmSync(f.path, { force: true });
    },
  };
}

export const tmpCanaryDir = () => tmpdir();

const WATCHED = ['open', 'openSync', 'readFile', 'readFileSync', 'createReadStream', 'stat', 'statSync', 'lstat', 'lstatSync', 'access', 'accessSync'] as const;
const WATCHED_PROMISES = ['open', 'readFile', 'stat', 'lstat', 'access'] as const;

/**
 * Records every path that the watched fs functions are called with and that contains `needle`, outside `allowedRoots`.
 * Patches both the CommonJS object (serve-static/send use it) and, via syncBuiltinESMExports, the ESM named exports.
 */
export function watchFileSystem(needle: string, allowedRoots: string[] = []): { hits: string[]; restore(): void } {
  const hits: string[] = [];
  const roots = allowedRoots.map((r) => resolve(r) + sep);
  const note = (p: unknown) => {
    const s = typeof p === 'string' ? p : Buffer.isBuffer(p) ? p.toString() : p instanceof URL ? p.pathname : undefined;
    if (!s || !s.includes(needle)) return;
    const abs = resolve(s);
    if (!roots.some((r) => abs.startsWith(r))) hits.push(abs);
  };
  const fsAny = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  const promisesAny = fs.promises as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals: [Record<string, unknown>, string, unknown][] = [];
  for (const name of WATCHED) {
    const orig = fsAny[name]!;
    originals.push([fsAny, name, orig]);
    fsAny[name] = function (this: unknown, p: unknown, ...rest: unknown[]) {
      note(p);
      return orig.call(this, p, ...rest);
    };
  }
  for (const name of WATCHED_PROMISES) {
    const orig = promisesAny[name]!;
    originals.push([promisesAny, name, orig]);
    promisesAny[name] = function (this: unknown, p: unknown, ...rest: unknown[]) {
      note(p);
      return orig.call(this, p, ...rest);
    };
  }
  syncBuiltinESMExports();
  return {
    hits,
    restore() {
      for (const [obj, name, orig] of originals) obj[name] = orig;
      syncBuiltinESMExports();
    },
  };
}

const PROTOTYPES: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['RegExp.prototype', RegExp.prototype],
  ['Date.prototype', Date.prototype],
  ['Promise.prototype', Promise.prototype],
  ['Error.prototype', Error.prototype],
];

/** Snapshot of the own keys of the built-in prototypes, to compare after a hostile run. */
export function snapshotPrototypes(): Map<string, string[]> {
  return new Map(PROTOTYPES.map(([n, p]) => [n, Reflect.ownKeys(p).map(String).sort()]));
}

/** Keys that appeared on a built-in prototype since `before`, plus any inherited `canaryProps` visible on a fresh object. */
export function prototypePollution(before: Map<string, string[]>, canaryProps: string[]): string[] {
  const found: string[] = [];
  for (const [n, p] of PROTOTYPES) {
    const was = new Set(before.get(n));
    for (const k of Reflect.ownKeys(p).map(String)) if (!was.has(k)) found.push(`${n}.${k}`);
  }
  const fresh: Record<string, unknown> = {};
  const arr: unknown[] = [];
  for (const k of canaryProps) {
    if (fresh[k] !== undefined) found.push(`({}).${k}`);
    if ((arr as unknown as Record<string, unknown>)[k] !== undefined) found.push(`[].${k}`);
  }
  return found;
}
