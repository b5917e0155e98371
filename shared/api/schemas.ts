/** Request schemas of the HTTP API, shared by the server (parsing) and the editor (forms). */
import { z } from 'zod';
import { ExecutionMode, ExecutionStatus } from '../execution.ts';

export const Credentials = z.object({
  email: z.string().trim().email('must be an email address').max(320),
  password: z.string().min(8, 'at least 8 characters').max(1024),
});
export const ChangePassword = z.object({ currentPassword: z.string().min(1), newPassword: z.string().min(8).max(1024) });

export const Limit = z.coerce.number().int().min(1).max(200).default(50);

export const ListWorkflowsQuery = z.object({ limit: Limit, cursor: z.string().max(500).optional(), q: z.string().max(200).optional() });
const IsoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-01-31T09:00:00Z' });
/**
 * `GET /api/executions` query. `q` is matched literally (case-insensitive substring) against the
 * trigger event and the step outputs; `from` is inclusive, `to` exclusive (on created_at).
 */
export const ListExecutionsQuery = z
  .object({
    limit: Limit,
    cursor: z.string().max(100).optional(),
    workflowId: z.string().max(100).optional(),
    status: ExecutionStatus.optional(),
    mode: ExecutionMode.optional(),
    from: IsoTime.optional(),
    to: IsoTime.optional(),
    // Blank means no text filter (an emptied search box).
    q: z
      .string()
      .max(200)
      .optional()
      .transform((v) => (v?.trim() ? v.trim() : undefined)),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: 'must be later than from', path: ['to'] });
export type ListExecutionsQuery = z.infer<typeof ListExecutionsQuery>;
/** The params of `GET /api/workflows/:id/versions/:version`: versions count from 1. */
export const WorkflowVersionParams = z.object({ version: z.coerce.number({ error: 'must be a version number' }).int('must be a whole number').min(1, 'versions start at 1') });
export const RunBody = z.object({ payload: z.unknown().optional() }).default({});
/** POST /api/executions/:id/retry: the whole run again on the version it ran (the default), or from the failed step, or on the current version. */
export const RetryBody = z
  .object({ from: z.enum(['start', 'failed']).default('start'), version: z.enum(['original', 'current']).default('original') })
  .default({ from: 'start', version: 'original' });
export const CreateApiKey = z.object({ label: z.string().trim().min(1).max(100) });
