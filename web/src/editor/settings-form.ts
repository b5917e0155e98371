/**
 * The settings dialog's form, pure: the workflow's settings as editable text, the settings a form
 * stands for, and faults (the shared schema's or the server's) keyed by the field they belong to.
 */
import type { Issue } from '#shared/issues.ts';
import type { WorkflowSettings } from '#shared/workflow.ts';

export type Draft = { emails: string[]; onFailure: boolean; onRecovery: boolean; limit: string; key: string; timeout: string };

export function draftOf(s: WorkflowSettings): Draft {
  return {
    emails: s.alerts?.email.length ? [...s.alerts.email] : [''],
    onFailure: s.alerts?.onFailure ?? true,
    onRecovery: s.alerts?.onRecovery ?? true,
    limit: s.concurrency ? String(s.concurrency.limit) : '',
    key: s.concurrency?.key ?? '',
    timeout: s.timeoutSeconds === undefined ? '' : String(s.timeoutSeconds),
  };
}

/** The settings a draft stands for: blank sections are left out (no alerts, no limit, no timeout). */
export function settingsOf(d: Draft): unknown {
  const email = d.emails.map((e) => e.trim()).filter(Boolean);
  return {
    ...(email.length ? { alerts: { email, onFailure: d.onFailure, onRecovery: d.onRecovery } } : {}),
    ...(d.limit.trim() || d.key.trim() ? { concurrency: { limit: d.limit.trim() ? Number(d.limit) : undefined, ...(d.key.trim() ? { key: d.key.trim() } : {}) } } : {}),
    ...(d.timeout.trim() ? { timeoutSeconds: Number(d.timeout) } : {}),
  };
}

/** Issue paths as the server sends them (`settings.alerts.email.0`); blank e-mail rows are dropped before checking, so row numbers are mapped back. */
export function byPath(issues: Issue[], d: Draft): Map<string, string> {
  const rows = d.emails.flatMap((e, i) => (e.trim() ? [i] : []));
  const out = new Map<string, string>();
  for (const i of issues) {
    const path = i.path.replace(/^settings\./, '').replace(/^alerts\.email\.(\d+)/, (_, n: string) => `alerts.email.${rows[Number(n)] ?? n}`);
    if (!out.has(path)) out.set(path, i.message);
  }
  return out;
}
