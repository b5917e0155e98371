/** Words and conversions for the audit log page (pure, tested beside it). */
import type { AuditEntry } from '#shared/api/audit.ts';

/** The action subjects, in the order the filter lists them. */
export const SUBJECTS = [
  { subject: 'auth', label: 'Sign-in' },
  { subject: 'api_key', label: 'API key' },
  { subject: 'workflow', label: 'Workflow' },
  { subject: 'credential', label: 'Credential' },
  { subject: 'variable', label: 'Variable' },
  { subject: 'execution', label: 'Execution' },
  { subject: 'settings', label: 'Settings' },
] as const;

/** A tag beside the actor's name: who the name belongs to, when it is not a signed-in person. */
export function actorKind(actor: AuditEntry['actor']): string | null {
  return actor.type === 'api_key' ? 'API key' : null;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO time as a `datetime-local` value in the browser's zone ('' for none or nonsense). */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value (the browser's zone) as an ISO time in UTC ('' for none). */
export function fromLocalInput(value: string): string {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** A detail in a few words: `v2 · fields: token · was “billing api”`. The name shows in the target column. */
export function detailWords(detail: Record<string, unknown>): string {
  const out: string[] = [];
  for (const [k, v] of Object.entries(detail)) {
    if (k === 'name') continue;
    if (k === 'version' && typeof v === 'number') out.push(`v${v}`);
    else if (k === 'previousName') out.push(`was “${String(v)}”`);
    else if (k === 'duplicateOf') out.push(`copy of ${String(v)}`);
    else if (k === 'retryOf') out.push(`retry of ${String(v)}`);
    else if (k === 'reason') out.push(String(v).replace(/_/g, ' '));
    else if (k === 'fields' && Array.isArray(v)) out.push(v.length ? `fields: ${v.join(', ')}` : 'name only');
    else if (k === 'bulk' && v && typeof v === 'object') out.push(`one of ${String((v as { size?: unknown }).size)} in a bulk change`);
    else if (v !== undefined && v !== null) out.push(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  return out.join(' · ');
}
