/**
 * `flow.call`: runs another workflow (one that starts with a manual trigger) as a child execution,
 * its trigger output being `payload`. `run` only says what to call; the engine's call executor
 * (server/engine/kinds/call.ts) starts the child once and, with `wait`, parks the step durably
 * until the child ends.
 */
import { z } from 'zod';
import { call, defineNode } from './define.ts';

export const CALL_TYPE = 'flow.call';
/** A call chain (recursion included) deeper than this fails. */
export const MAX_CALL_DEPTH = 10;

export const callNode = defineNode({
  type: CALL_TYPE,
  title: 'Call workflow',
  description: 'Run another workflow and use its result',
  category: 'flow',
  icon: '↪',
  output: 'with wait: the called workflow’s last output; without: { executionId }',
  config: z.object({
    workflowId: z.string().trim().min(1, 'pick the workflow to call'),
    payload: z.unknown().default('{{ input }}'),
    wait: z.boolean().default(true),
  }),
  ui: {
    workflowId: { label: 'Workflow', widget: 'workflow', help: 'An active workflow that starts with a manual trigger' },
    payload: { label: 'Payload (JSON)', widget: 'json', help: 'The called workflow’s trigger output; {{ … }} expressions allowed' },
    wait: { label: 'Wait for it to finish', widget: 'switch', help: 'Off: go on at once with { executionId }' },
  },
  async run({ config }) {
    return call(config.workflowId, config.payload ?? null, config.wait);
  },
});
