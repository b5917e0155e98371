/** `logic.if`: routes its input to the `true` or `false` handle. */
import { z } from 'zod';
import { defineNode, route } from './define.ts';

export const ifNode = defineNode({
  type: 'logic.if',
  title: 'If',
  description: 'Branch on a condition',
  category: 'logic',
  icon: '⋔',
  output: 'its input, on handle true or false',
  handles: ['true', 'false'],
  config: z.object({ condition: z.string().min(1, 'a condition is required') }),
  ui: { condition: { label: 'Condition', widget: 'condition', syntax: 'jsonata', placeholder: 'input.body.amount > 100' } },
  async run({ config, evaluate, input }) {
    const value = await evaluate(config.condition);
    return route(isTruthy(value) ? 'true' : 'false', input);
  },
});

/** JSONata truthiness: empty arrays and strings, 0, null and undefined are false. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isTruthy);
  return Boolean(value);
}
