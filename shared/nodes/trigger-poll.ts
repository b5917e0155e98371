/** `trigger.poll`: polls an HTTP API and starts one run per new item. */
import { z } from 'zod';
import { defineTrigger } from './define.ts';
import { HttpRequestConfig, httpRequestUi } from './http-request-config.ts';

export const pollTrigger = defineTrigger({
  type: 'trigger.poll',
  title: 'Poll an API',
  description: 'Check an API on an interval; start one run per new item',
  category: 'trigger',
  icon: '⟳',
  output: '{ item, polledAt }',
  config: z.object({
    request: HttpRequestConfig.omit({ body: true, bodyType: true }).extend({ method: z.enum(['GET', 'POST']).default('GET') }),
    intervalSeconds: z.number().int().min(10).max(7 * 24 * 3600).default(300),
    items: z.string().min(1).default('body'),
    key: z.string().min(1).default('id'),
    fireOnFirstPoll: z.boolean().default(false),
  }),
  ui: {
    request: { label: 'Request', widget: 'object', help: `URL, headers, query; ${httpRequestUi.url.placeholder}` },
    intervalSeconds: { label: 'Every (seconds)', widget: 'number', help: 'At least 10' },
    items: { label: 'Items (JSONata)', widget: 'expression', help: 'Path to the array of items in the response, e.g. body.data' },
    key: { label: 'Item key (JSONata)', widget: 'expression', help: 'A unique id per item, e.g. id' },
    fireOnFirstPoll: { label: 'Run for items already there on the first poll', widget: 'switch', advanced: true },
  },
  activation: { kind: 'poll', everySeconds: (c) => c.intervalSeconds },
});
