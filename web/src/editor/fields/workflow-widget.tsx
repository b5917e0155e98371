/**
 * Pick the workflow a flow.call runs: every workflow but this one is listed (a call may recurse,
 * but picking yourself is nearly always a slip), with what keeps it from being called said
 * beside it; the picked one opens in a new tab.
 */
import type { WorkflowListItem } from '../../api/client.ts';
import { useEditorStore } from '../store.ts';
import type { WidgetProps } from './types.ts';
import { useWorkflowList } from './use-workflow-list.ts';

/** Why a workflow cannot be called yet, or null when it can. */
export function notCallable(w: Pick<WorkflowListItem, 'active' | 'triggerType'>): string | null {
  if (w.triggerType !== 'trigger.manual') return 'starts with another trigger: a called workflow starts with "Manual"';
  if (!w.active) return 'is not active: activate it to call it';
  return null;
}

export function WorkflowWidget({ id, value, onChange, invalid, describedBy }: WidgetProps) {
  const self = useEditorStore((s) => s.workflow?.id);
  const { items, error } = useWorkflowList();
  const current = typeof value === 'string' ? value : '';
  const picked = items?.find((w) => w.id === current);
  const missing = current !== '' && items !== null && !picked;
  const problem = picked ? notCallable(picked) : null;
  return (
    <div className="cred">
      <div className="expr-row">
        <select
          id={id}
          className="input"
          value={current}
          aria-invalid={invalid || missing || problem !== null || undefined}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        >
          <option value="">{items === null ? 'Loading…' : '— pick a workflow —'}</option>
          {missing && <option value={current}>Missing workflow ({current})</option>}
          {(items ?? [])
            .filter((w) => w.id !== self || w.id === current)
            .map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
                {notCallable(w) ? ' (not callable yet)' : ''}
              </option>
            ))}
        </select>
        {picked && (
          <a className="btn btn-small" href={`#/workflows/${encodeURIComponent(picked.id)}`} target="_blank" rel="noreferrer">
            Open ↗
          </a>
        )}
      </div>
      {error && <p className="field-error">Could not load workflows: {error}</p>}
      {missing && <p className="field-error">This workflow no longer exists; pick another.</p>}
      {picked && problem && (
        <p className="field-error">
          “{picked.name}” {problem}.
        </p>
      )}
    </div>
  );
}
