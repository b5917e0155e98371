/** One line that says what a node does, derived from its UI hints: shown on the canvas node. */
import cronstrue from 'cronstrue';
import { parseCron } from '#shared/cron/parse.ts';
import type { AnyNodeDefinition, FieldUi } from '#shared/nodes/define.ts';
import { humanize } from './schema.ts';

const PRIORITY: FieldUi['widget'][] = ['expression', 'condition', 'cases', 'cron', 'text', 'textarea', 'select', 'multiselect', 'number'];

const WORDS = { use24HourTimeFormat: true, verbose: false } as const;

/**
 * The cron in words, saying how the day fields combine as the scheduler does (parse.ts's `days`):
 * cronstrue's own "on day 1 of the month, Monday through Friday" reads as both, so when either day
 * is enough the weekday part is joined with "or".
 */
export function describeCron(expression: string): string | null {
  try {
    const parsed = parseCron(expression);
    if (!parsed.ok) return cronstrue.toString(expression, WORDS);
    if (parsed.days === 'either') return eitherDayWords(expression) ?? cronstrue.toString(expression, WORDS);
    return cronstrue.toString(expression, { ...WORDS, logicalAndDayFields: true });
  } catch {
    return null;
  }
}

/** "At 00:00, on day 1 and 15 of the month, or on Monday": day of month, "or" weekday, then the months. */
function eitherDayWords(expression: string): string | null {
  const parts = expression.trim().split(/\s+/);
  const at = parts.length === 6 ? 1 : 0;
  const [dayOfMonth, month, dayOfWeek] = [parts[at + 2]!, parts[at + 3]!, parts[at + 4]!];
  const byMonthDay = [...parts];
  byMonthDay[at + 3] = '*';
  byMonthDay[at + 4] = '*';
  // The weekday's and the months' words on their own, after a fixed time of day cut off again.
  const time = cronstrue.toString('0 0 * * *', WORDS);
  const tail = (cron: string): string | null => {
    const words = cronstrue.toString(cron, WORDS);
    return words.startsWith(time) ? words.slice(time.length) : null;
  };
  const weekday = tail(`0 0 * * ${dayOfWeek}`);
  const months = tail(`0 0 * ${month} *`);
  if (weekday === null || months === null || dayOfMonth === '*') return null;
  return `${cronstrue.toString(byMonthDay.join(' '), WORDS)}, or ${weekday.replace(/^, (only )?/, '')}${months}`;
}

export function nodeSummary(def: AnyNodeDefinition, config: Record<string, unknown>): string | null {
  const fields = Object.entries(def.ui as Record<string, FieldUi>).filter(([, ui]) => !ui.hidden && !ui.advanced);
  for (const widget of PRIORITY) {
    for (const [key, ui] of fields) {
      if (ui.widget !== widget) continue;
      const v = config[key];
      if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
      if (widget === 'cron' && typeof v === 'string') return describeCron(v) ?? v;
      if (widget === 'cases' && Array.isArray(v)) return `${v.length} case${v.length === 1 ? '' : 's'}, checked in order`;
      const text = Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? null : String(v);
      if (text) return text.length > 48 ? `${text.slice(0, 47)}…` : text;
    }
  }
  return null;
}

/** `config.url` → "URL", using the node's labels; other paths come back as they are. */
export function fieldLabel(def: AnyNodeDefinition | undefined, path: string): string {
  const [head, key, ...rest] = path.split('.');
  if (head === 'config' && key && def) {
    const ui = (def.ui as Record<string, FieldUi | undefined>)[key];
    // A nested field is named by its path inside the group, "Request › URL", as its form labels it
    // (schema keys humanized; a header name or an index as it is).
    if (ui) return [ui.label, ...rest.map((k) => (/^[a-z][A-Za-z0-9]*$/.test(k) ? humanize(k) : k))].join(' › ');
  }
  return path;
}
