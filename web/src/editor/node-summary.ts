/** One line that says what a node does, derived from its UI hints: shown on the canvas node. */
import cronstrue from 'cronstrue';
import type { AnyNodeDefinition, FieldUi } from '#shared/nodes/define.ts';
import { humanize } from './schema.ts';

const PRIORITY: FieldUi['widget'][] = ['expression', 'condition', 'cases', 'cron', 'text', 'textarea', 'select', 'multiselect', 'number'];

export function describeCron(expression: string): string | null {
  try {
    return cronstrue.toString(expression, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return null;
  }
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
