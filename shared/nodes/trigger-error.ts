/**
 * `trigger.error`: starts when another workflow's execution fails (server/services/error-dispatch.ts).
 * Its output is the failure: which workflow, which execution (with a link), the node it stopped
 * at and the error. Failures of workflows that start with this trigger start nothing (no loops).
 */
import { z } from 'zod';
import { defineTrigger } from './define.ts';

export const ERROR_TRIGGER_TYPE = 'trigger.error';

/** The event an error workflow starts with. */
export type FailureEvent = {
  workflow: { id: string; name: string };
  execution: { id: string; url: string; mode: string; startedAt: string | null };
  failedNode: { id: string; type: string } | null;
  error: { code: string; message: string };
};

export const errorTrigger = defineTrigger({
  type: ERROR_TRIGGER_TYPE,
  title: 'On failure',
  description: 'Start when another workflow fails',
  category: 'trigger',
  icon: '⚠',
  output: '{ workflow, execution: { id, url, mode, startedAt }, failedNode, error }',
  config: z.object({
    workflows: z.array(z.string().trim().min(1)).max(200, 'at most 200 workflows').default([]),
  }),
  ui: {
    workflows: { label: 'Workflows to watch', widget: 'workflows', help: 'None picked: every workflow (except other failure workflows)' },
  },
  activation: { kind: 'error' },
});
