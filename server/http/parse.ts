/** Request parsing with the shared schemas: a bad request becomes VALIDATION_FAILED with paths. */
import type { z } from 'zod';
import { AppError } from '#shared/errors.ts';
import { fromZodIssues } from '#shared/issues.ts';

export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' = 'body'): z.output<S> {
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) throw new AppError('VALIDATION_FAILED', `invalid request ${where}`, { details: fromZodIssues(r.error.issues) });
  return r.data;
}

/** Deepest JSON nesting an API body may have: JSON.parse takes any depth, but JSON.stringify and recursive walkers overflow the stack near a few thousand. */
export const MAX_JSON_DEPTH = 256;

/** True when `value` nests deeper than `max`. Iterative, so a hostile body cannot overflow the stack while being measured. */
export function exceedsDepth(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
