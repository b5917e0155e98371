/**
 * The executions list's filters, kept in the URL (`#/executions?q=…&status=…`) so a search can be
 * shared: the selects apply at once, the text and the time range on submit (Enter or Search), so
 * typing does not refetch at every key.
 */
import { useState, type FormEvent } from 'react';
import { ExecutionMode, ExecutionStatus } from '#shared/execution.ts';
import { statusLabel } from '../components/ui.tsx';
import { modeLabel } from '../lib/execution-words.ts';
import { navigate } from '../lib/router.ts';
import { fromLocalInput, toLocalInput } from './audit-words.ts';
import { TimeRangeFields } from '../components/time-range.tsx';

export type ExecutionFilters = { workflowId: string; status: string; mode: string; from: string; to: string; q: string };
export const FILTER_KEYS = ['q', 'workflowId', 'status', 'mode', 'from', 'to'] as const;

/** `/executions?…` for these filters (empty ones left out). */
export function executionsPath(f: ExecutionFilters): string {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (f[k]) p.set(k, f[k]);
  return `/executions${p.size ? `?${p}` : ''}`;
}

export const anyFilter = (f: ExecutionFilters): boolean => FILTER_KEYS.some((k) => f[k] !== '');

export function ExecutionFilterForm({ filters, workflows }: { filters: ExecutionFilters; workflows: { id: string; name: string }[] }) {
  const [draft, setDraft] = useState({ q: filters.q, from: toLocalInput(filters.from), to: toLocalInput(filters.to) });
  const typed = { q: draft.q.trim(), from: fromLocalInput(draft.from), to: fromLocalInput(draft.to) };
  const go = (next: Partial<ExecutionFilters>) => navigate(executionsPath({ ...filters, ...typed, ...next }));
  const set = (k: keyof typeof draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go({});
  };
  return (
    <form className="exec-filters" role="search" aria-label="Filter executions" onSubmit={submit}>
      <label className="filter exec-query">
        <span>Search</span>
        <input className="input" type="search" name="q" value={draft.q} onChange={set('q')} maxLength={200} placeholder="email, order id, any text in the event or outputs" />
      </label>
      <label className="filter">
        <span>Workflow</span>
        <select className="input" value={filters.workflowId} onChange={(e) => go({ workflowId: e.target.value })}>
          <option value="">All workflows</option>
          {workflows.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        <span>Status</span>
        <select className="input" value={filters.status} onChange={(e) => go({ status: e.target.value })}>
          <option value="">Any status</option>
          {ExecutionStatus.options.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        <span>Started by</span>
        <select className="input" value={filters.mode} onChange={(e) => go({ mode: e.target.value })}>
          <option value="">Any trigger</option>
          {ExecutionMode.options.map((m) => (
            <option key={m} value={m}>
              {modeLabel(m)}
            </option>
          ))}
        </select>
      </label>
      <TimeRangeFields from={draft.from} to={draft.to} onFrom={set('from')} onTo={set('to')} />
      <button type="submit" className="btn btn-primary">
        Search
      </button>
      {anyFilter(filters) && (
        <button type="button" className="btn btn-ghost" onClick={() => navigate('/executions')}>
          Clear filters
        </button>
      )}
    </form>
  );
}
