/**
 * Where the project's files are, found from the package root rather than from this module's own
 * location, so the same code works from server/*.ts under tsx and from the dist/server.mjs bundle.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'server'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the Switchyard project root');
    dir = up;
  }
}

export const projectRoot = findRoot();
export const projectPath = (...parts: string[]): string => join(projectRoot, ...parts);
