/** A validation fault: where (a dotted path) and what. Used by the API, the engine and the editor alike. */
import type { z } from 'zod';

export type Issue = { path: string; message: string };

/** Joins a path array into the dotted form used everywhere (`nodes.2.config.url`). */
export function joinPath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

/** Maps zod issues to `Issue[]`, prefixed with `prefix` (e.g. `nodes.1.config`). */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): Issue[] {
  return issues.map((i) => ({ path: joinPath([...prefix, ...i.path]), message: i.message }));
}
