/** `flow.delay`: waits, durably (a restart does not lose or restart the wait). */
import { z } from 'zod';
import { defineNode, wait } from './define.ts';

export const delayNode = defineNode({
  type: 'flow.delay',
  title: 'Delay',
  description: 'Wait before continuing (survives a restart)',
  category: 'flow',
  icon: '◔',
  output: 'its input',
  config: z.object({ seconds: z.number().min(0).max(30 * 24 * 3600) }),
  ui: { seconds: { label: 'Seconds', widget: 'number' } },
  async run({ config, input, now }) {
    return wait(new Date(now().getTime() + config.seconds * 1000), input);
  },
});
