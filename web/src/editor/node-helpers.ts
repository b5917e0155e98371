/** Small pure helpers for the editor store: node ids and copies. */
import { getNodeDefinition } from '#shared/nodes/registry.ts';

/** A slug for a new node, from its type: `trigger.webhook` → `webhook`, then `webhook_2`… */
export function uniqueNodeId(type: string, taken: ReadonlySet<string>): string {
  const base = (type.split('.').pop() ?? 'node').replace(/[^A-Za-z0-9_]/g, '_').replace(/^[^A-Za-z_]/, 'n') || 'node';
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

export const isTriggerType = (type: string): boolean => getNodeDefinition(type)?.kind === 'trigger';

/** Removes server-assigned fields (a webhook token) so a pasted copy gets its own. */
export function withoutHidden(type: string, config: Record<string, unknown>): Record<string, unknown> {
  const def = getNodeDefinition(type);
  if (!def) return config;
  const out = { ...config };
  for (const [key, hint] of Object.entries(def.ui) as [string, { hidden?: boolean }][]) if (hint.hidden) delete out[key];
  return out;
}
