/** Request parsing with the shared schemas: a bad request becomes VALIDATION_FAILED with paths. */
import type { z } from 'zod';
import { AppError } from '#shared/errors.ts';
import { fromZodIssues } from '#shared/issues.ts';

export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' = 'body'): z.output<S> {
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) throw new AppError('VALIDATION_FAILED', `invalid request ${where}`, { details: fromZodIssues(r.error.issues) });
  return r.data;
}

export { exceedsDepth, MAX_JSON_DEPTH } from '../lib/json-depth.ts';
