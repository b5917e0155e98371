/** `trigger.manual`: started by "Run" in the editor or `POST /api/workflows/:id/run`. */
import { z } from 'zod';
import { defineTrigger } from './define.ts';

export const manualTrigger = defineTrigger({
  type: 'trigger.manual',
  title: 'Manual',
  description: 'Start by pressing Run (or through the API)',
  category: 'trigger',
  icon: '▶',
  output: 'the payload given to Run',
  config: z.object({
    samplePayload: z.unknown().optional(),
  }),
  ui: {
    samplePayload: { label: 'Sample payload', widget: 'json', help: 'Used by Run in the editor' },
  },
  activation: { kind: 'manual' },
});
