/**
 * `logic.switch`: routes its input to the first case whose condition holds, else to `fallback`
 * (when enabled; without it an unmatched input ends the branch). Each case is an out-handle named
 * after it, so the handles follow the config: see `handlesFor`.
 */
import { z } from 'zod';
import { defineNode, route, stop } from './define.ts';
import { isTruthy } from './logic-if.ts';

export const FALLBACK = 'fallback';
export const MAX_CASES = 20;

const Case = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'a case needs a name')
    .max(40, 'at most 40 characters')
    .refine((n) => n !== FALLBACK, `"${FALLBACK}" is the name of the unmatched output`),
  condition: z.string().trim().min(1, 'a condition is required'),
});

const Config = z.object({
  cases: z
    .array(Case)
    .min(1, 'at least one case')
    .max(MAX_CASES, `at most ${MAX_CASES} cases`)
    .superRefine((cases, ctx) => {
      const seen = new Set<string>();
      cases.forEach((c, i) => {
        if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `two cases are named "${c.name}"` });
        seen.add(c.name);
      });
    }),
  fallback: z.boolean().default(true),
});

/** The out-handles of a (possibly half-edited) config: each named case in order, then `fallback`. */
export function switchHandles(config: Readonly<Record<string, unknown>>): string[] {
  const cases = Array.isArray(config.cases) ? (config.cases as unknown[]) : [];
  const names = cases.map((c) => (c && typeof c === 'object' && typeof (c as { name?: unknown }).name === 'string' ? (c as { name: string }).name.trim() : ''));
  const handles = [...new Set(names.filter((n) => n !== '' && n !== FALLBACK))];
  return config.fallback === false ? handles : [...handles, FALLBACK];
}

export const switchNode = defineNode({
  type: 'logic.switch',
  title: 'Switch',
  description: 'Route to the first matching case',
  category: 'logic',
  icon: '⇉',
  output: 'its input, on the handle of the first case that matches (or fallback)',
  config: Config,
  ui: {
    cases: { label: 'Cases', widget: 'cases', syntax: 'jsonata', help: 'Checked in order; the first that holds takes the input' },
    fallback: { label: 'Fallback output for inputs no case matches', widget: 'switch' },
  },
  handlesFor: switchHandles,
  async run({ config, evaluate, input }) {
    for (const c of config.cases) if (isTruthy(await evaluate(c.condition))) return route(c.name, input);
    return config.fallback ? route(FALLBACK, input) : stop(input);
  },
});
