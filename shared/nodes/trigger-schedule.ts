/** `trigger.schedule`: fires on a cron schedule in an IANA timezone. */
import { z } from 'zod';
import { defineTrigger } from './define.ts';

export const scheduleTrigger = defineTrigger({
  type: 'trigger.schedule',
  title: 'Schedule',
  description: 'Start on a cron schedule',
  category: 'trigger',
  icon: '◷',
  output: '{ scheduledAt, firedAt }',
  config: z.object({
    cron: z.string().trim().min(1, 'a cron expression is required'),
    timezone: z.string().default('UTC'),
    overlap: z.enum(['skip', 'allow']).default('skip'),
    catchUp: z.enum(['none', 'last']).default('none'),
  }),
  ui: {
    cron: { label: 'Cron', widget: 'cron', placeholder: '*/5 * * * *', help: '5 fields, or 6 with seconds first' },
    timezone: { label: 'Timezone', widget: 'timezone' },
    overlap: {
      label: 'If the previous run is still going',
      widget: 'select',
      options: [
        { value: 'skip', label: 'Skip this run' },
        { value: 'allow', label: 'Run anyway' },
      ],
      advanced: true,
    },
    catchUp: {
      label: 'Missed runs (server was down)',
      widget: 'select',
      options: [
        { value: 'none', label: 'Skip them' },
        { value: 'last', label: 'Run the latest once' },
      ],
      advanced: true,
    },
  },
  activation: {
    kind: 'schedule',
    cron: (c) => ({ expression: c.cron, timezone: c.timezone, overlap: c.overlap, catchUp: c.catchUp }),
  },
});
