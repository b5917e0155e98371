/** `logic.filter`: passes its input on, or ends the branch when the condition is false. */
import { z } from 'zod';
import { defineNode, ok, stop } from './define.ts';
import { isTruthy } from './logic-if.ts';

export const filterNode = defineNode({
  type: 'logic.filter',
  title: 'Filter',
  description: 'Continue only when a condition holds',
  category: 'logic',
  icon: '⊻',
  output: 'its input; the branch stops when false',
  config: z.object({ condition: z.string().min(1, 'a condition is required') }),
  ui: { condition: { label: 'Condition', widget: 'condition', syntax: 'jsonata', placeholder: 'input.body.status = "paid"' } },
  async run({ config, evaluate, input }) {
    return isTruthy(await evaluate(config.condition)) ? ok(input) : stop(input);
  },
});
