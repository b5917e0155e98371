/**
 * `flow.forEach`: runs the nodes reachable from its `each` handle (the loop body) once per item of
 * a list, then `done` once with every iteration's result. `run` only works out the list; the
 * engine's loop executor (server/engine/kinds/loop.ts) runs the iterations, durably: each
 * iteration's steps are recorded under its index, so after a crash finished items never run again.
 */
import { z } from 'zod';
import { NodeFailure } from '../errors.ts';
import { defineNode, loop } from './define.ts';

export const FOREACH_TYPE = 'flow.forEach';
export const EACH = 'each';
export const DONE = 'done';
/** How many loops may nest inside one another. */
export const MAX_LOOP_DEPTH = 3;
export const MAX_ITEMS_LIMIT = 10_000;
export const MAX_CONCURRENCY = 20;

/** What `done` carries: `results[i]` is the output of the last node of iteration `i`'s body (null when it failed). */
export type LoopOutput = {
  results: unknown[];
  succeeded: number;
  failed: number;
  errors: { index: number; nodeId: string; error: { code: string; message: string } }[];
};

const describe = (v: unknown): string => (v === null || v === undefined ? 'nothing' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

export const forEachNode = defineNode({
  type: FOREACH_TYPE,
  title: 'For each',
  description: 'Run the nodes after "each" once per item of a list, then "done"',
  category: 'flow',
  icon: '⟳',
  output: 'on done: { results, succeeded, failed, errors }',
  config: z.object({
    items: z.string().trim().min(1, 'an expression giving the list is required'),
    concurrency: z.number().int().min(1, 'at least 1').max(MAX_CONCURRENCY, `at most ${MAX_CONCURRENCY}`).default(1),
    onItemError: z.enum(['stop', 'continue']).default('stop'),
    maxItems: z.number().int().min(1, 'at least 1').max(MAX_ITEMS_LIMIT, `at most ${MAX_ITEMS_LIMIT.toLocaleString('en')}`).default(1000),
  }),
  ui: {
    items: {
      label: 'Items (JSONata)',
      widget: 'expression',
      syntax: 'jsonata',
      placeholder: 'input.body.lineItems',
      help: 'A list; the body sees each entry as item, its position as index, the whole list as items',
    },
    concurrency: { label: 'Items at once', widget: 'number', help: '1 runs them one after another, in order (at most 20)' },
    onItemError: {
      label: 'When an item fails',
      widget: 'select',
      options: [
        { value: 'stop', label: 'Stop the loop (the run fails)' },
        { value: 'continue', label: 'Go on, and list the failures in done' },
      ],
    },
    maxItems: { label: 'Most items', widget: 'number', advanced: true, help: 'A longer list fails the step instead of being cut short (at most 10,000)' },
  },
  handles: [EACH, DONE],
  async run({ config, evaluate }) {
    const value = await evaluate(config.items);
    // JSONata gives a one-entry match as the entry itself; `items[]` keeps it a list.
    if (!Array.isArray(value)) {
      throw new NodeFailure(`items must be a list, but "${config.items}" gave ${describe(value)} (write ${config.items}[] to always get a list)`, {
        code: 'LOOP_ITEMS_NOT_A_LIST',
      });
    }
    if (value.length > config.maxItems) {
      throw new NodeFailure(`items has ${value.length.toLocaleString('en')} entries, more than maxItems (${config.maxItems.toLocaleString('en')})`, {
        code: 'LOOP_TOO_MANY_ITEMS',
      });
    }
    return loop(value);
  },
});
