/** `trigger.schedule`: fires on a cron schedule in an IANA timezone. */
import { z } from 'zod';
import { parseCron } from '../cron/parse.ts';
import { compileCron, unknownTimeZone } from '../cron/schedule.ts';
import { isValidTimeZone } from '../time-zone.ts';
import { defineTrigger } from './define.ts';

/**
 * The schedule's own faults, part of its config check, so the graph validation the editor and the
 * server share reports them at `nodes.<i>.config.cron` / `.timezone` in parse.ts's one wording.
 * A cron is read when the workflow is armed, not per run, so a `{{ }}` in it is refused even though
 * other fields' templates are left to run time (`noTemplates`, see shared/graph/validate.ts).
 */
function scheduleFaults(config: { cron?: unknown; timezone?: unknown }, ctx: z.RefinementCtx): void {
  const { cron, timezone } = config;
  let cronOk = false;
  if (typeof cron === 'string' && cron.trim() !== '') {
    const parsed = parseCron(cron);
    if (parsed.ok) cronOk = true;
    else ctx.addIssue({ code: 'custom', path: ['cron'], message: parsed.message, params: { noTemplates: true } });
  }
  const zoneOk = typeof timezone === 'string' && isValidTimeZone(timezone);
  if (typeof timezone === 'string' && !zoneOk) ctx.addIssue({ code: 'custom', path: ['timezone'], message: unknownTimeZone(timezone) });
  if (cronOk && zoneOk && compileCron((cron as string).trim(), timezone).next(Date.now()) === null) {
    ctx.addIssue({ code: 'custom', path: ['cron'], message: 'this schedule never runs' });
  }
}

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
  }).superRefine(scheduleFaults),
  ui: {
    cron: { label: 'Cron', widget: 'cron', placeholder: '*/5 * * * *', help: 'Pick how often, or write a cron: minute hour day-of-month month day-of-week (a sixth field, seconds, may come first)' },
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
