/** Bulk actions on executions (POST /api/executions/bulk): one filter, every match, in the background. */
import { z } from 'zod';
import { ExecutionStatus } from '../execution.ts';

export const BulkFilter = z
  .object({
    workflowId: z.string().max(100).optional(),
    status: ExecutionStatus.optional(),
    /** Created at or after / before, ISO times. */
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type BulkFilter = z.infer<typeof BulkFilter>;

export const BulkRequest = z.object({
  action: z.enum(['retry', 'cancel', 'delete']),
  filter: BulkFilter.default({}),
  retry: z
    .object({ from: z.enum(['start', 'failed']).default('start'), version: z.enum(['original', 'current']).default('original') })
    .default({ from: 'start', version: 'original' }),
  /** Only count the matches (`{total}`), for "select all N matching"; nothing is made or changed. */
  dryRun: z.boolean().optional(),
});
export type BulkRequest = z.infer<typeof BulkRequest>;

export const BulkJob = z.object({
  jobId: z.string(),
  action: z.enum(['retry', 'cancel', 'delete']),
  status: z.enum(['running', 'done']),
  /** Executions the filter matched when the job was made (later ones are left alone). */
  total: z.number().int(),
  done: z.number().int(),
  /** Of `done`, how many the action refused (e.g. cancel of a finished run). */
  failed: z.number().int(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type BulkJob = z.infer<typeof BulkJob>;
