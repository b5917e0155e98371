/** `data.transform`: reshapes data with one JSONata expression. */
import { z } from 'zod';
import { defineNode, ok } from './define.ts';

export const transformNode = defineNode({
  type: 'data.transform',
  title: 'Transform',
  description: 'Reshape data with a JSONata expression',
  category: 'data',
  icon: 'ƒ',
  output: 'the expression’s result',
  config: z.object({ expression: z.string().min(1, 'an expression is required') }),
  ui: {
    expression: {
      label: 'Expression (JSONata)',
      widget: 'expression',
      syntax: 'jsonata',
      placeholder: '{ "email": input.body.email, "at": now }',
      help: 'Evaluated against { trigger, steps, input, execution, workflow, now }',
    },
  },
  async run({ config, evaluate }) {
    const value = await evaluate(config.expression);
    return ok(value === undefined ? null : value);
  },
});
