/**
 * The audit log: who changed what, newest first. Filters (actor, action, time range) live in the
 * URL, so a filtered view can be bookmarked or shared; older entries come with "Load more".
 */
import { Fragment, useState, type FormEvent } from 'react';
import { AUDIT_ACTIONS, type AuditEntry } from '#shared/api/audit.ts';
import { api, ApiError, errorMessage } from '../api/client.ts';
import { EmptyState, ErrorState, Loading } from '../components/ui.tsx';
import { useAsync } from '../components/use-async.ts';
import { formatDateTime } from '../lib/format.ts';
import { href, navigate } from '../lib/router.ts';
import { toast } from '../lib/toast.ts';
import { actorKind, detailWords, fromLocalInput, SUBJECTS, toLocalInput } from './audit-words.ts';
import '../styles/audit.css';
import { TimeRangeFields } from '../components/time-range.tsx';

const PAGE = 50;

export type AuditFilters = { actor: string; action: string; from: string; to: string };

/** `#/audit?…` for these filters (empty ones left out). */
export function auditPath(f: AuditFilters): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
  return `/audit${p.size ? `?${p}` : ''}`;
}

/** A refused filter (a hand-edited URL) named with what is wrong with it, not only "invalid request query". */
function explain(err: unknown): never {
  if (err instanceof ApiError && err.issues.length) throw new Error(err.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  throw err;
}

export function AuditLogPage(filters: AuditFilters) {
  const { actor, action, from, to } = filters;
  const list = useAsync(() => api.audit({ ...filters, limit: PAGE }).catch(explain), [actor, action, from, to]);
  const [older, setOlder] = useState<{ key: string; items: AuditEntry[]; cursor: string | null } | null>(null);
  const key = auditPath(filters);
  // Pages loaded for other filters are dropped the moment the filters change.
  const extra = older?.key === key ? older : null;
  const items = [...(list.data?.items ?? []), ...(extra?.items ?? [])];
  const cursor = extra ? extra.cursor : (list.data?.nextCursor ?? null);
  const filtered = Boolean(actor || action || from || to);

  const loadMore = async () => {
    if (!cursor) return;
    try {
      const r = await api.audit({ ...filters, limit: PAGE, cursor });
      setOlder({ key, items: [...(extra?.items ?? []), ...r.items], cursor: r.nextCursor });
    } catch (e) {
      toast('error', 'Could not load more', errorMessage(e));
    }
  };

  return (
    <div className="page">
      <header className="page-head">
        <h1>Audit log</h1>
      </header>
      <p className="muted page-intro">Every change made by a person or an API key: sign-ins (failed ones too), API keys, workflows and credentials. Credential values are never recorded.</p>
      <AuditFilterForm key={key} filters={filters} />
      {list.loading && !list.data ? (
        <Loading label="Loading the audit log…" />
      ) : list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : items.length === 0 ? (
        <EmptyState icon="☰" title={filtered ? 'No entries match these filters' : 'No entries yet'}>
          <p>{filtered ? 'Widen the time range or clear a filter.' : 'Changes appear here as they are made.'}</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table audit-table" aria-label="Audit log entries">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
                <th scope="col">Address</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <AuditRow key={e.id} e={e} />
              ))}
            </tbody>
          </table>
          {cursor && (
            <button type="button" className="btn load-more" onClick={() => void loadMore()}>
              Load more
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/** The filters as a form: applied together on submit (typing in a field does not refetch at every key). */
function AuditFilterForm({ filters }: { filters: AuditFilters }) {
  const [draft, setDraft] = useState({ actor: filters.actor, action: filters.action, from: toLocalInput(filters.from), to: toLocalInput(filters.to) });
  const set = (k: keyof typeof draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    navigate(auditPath({ actor: draft.actor.trim(), action: draft.action, from: fromLocalInput(draft.from), to: fromLocalInput(draft.to) }));
  };
  const filtered = Boolean(filters.actor || filters.action || filters.from || filters.to);
  return (
    <form className="audit-filters" role="search" aria-label="Filter the audit log" onSubmit={apply}>
      <label className="filter">
        <span>Actor</span>
        <input className="input" type="search" value={draft.actor} onChange={set('actor')} placeholder="email or key name" />
      </label>
      <label className="filter">
        <span>Action</span>
        <select className="input" value={draft.action} onChange={set('action')}>
          <option value="">Any action</option>
          {SUBJECTS.map((s) => (
            <optgroup key={s.subject} label={s.label}>
              <option value={`${s.subject}.*`}>Any {s.label.toLowerCase()} action</option>
              {AUDIT_ACTIONS.filter((a) => a.startsWith(`${s.subject}.`)).map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <TimeRangeFields from={draft.from} to={draft.to} onFrom={set('from')} onTo={set('to')} />
      <button type="submit" className="btn btn-primary">
        Apply
      </button>
      {filtered && (
        <button type="button" className="btn btn-ghost" onClick={() => navigate('/audit')}>
          Clear filters
        </button>
      )}
    </form>
  );
}

/** Text that may wrap after each `.` and `@` (dotted actions, emails) rather than mid-word. */
function Breakable({ text }: { text: string }) {
  const parts = text.split(/(?<=[.@])/);
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {p}
        </Fragment>
      ))}
    </>
  );
}

/** Where a target can be opened: workflows (unless this entry deleted it) and executions; credentials and keys have no page of their own. */
function targetPath(e: AuditEntry): string | null {
  if (e.target?.type === 'workflow' && e.action !== 'workflow.deleted') return `/workflows/${encodeURIComponent(e.target.id)}`;
  if (e.target?.type === 'execution') return `/executions/${encodeURIComponent(e.target.id)}`;
  return null;
}

function AuditRow({ e }: { e: AuditEntry }) {
  const kind = actorKind(e.actor);
  return (
    <tr>
      <td className="audit-time">
        <time dateTime={e.at} title={e.at}>
          {formatDateTime(e.at)}
        </time>
      </td>
      <td className="audit-actor">
        <span className="row-title" title={e.actor.id ?? undefined}>
          {e.actor.type === 'anonymous' ? 'anonymous' : <Breakable text={e.actor.name} />}
        </span>
        {kind && <span className="audit-kind">{kind}</span>}
        {e.actor.type === 'anonymous' && (
          <span className="audit-sub">
            tried <Breakable text={e.actor.name} />
          </span>
        )}
      </td>
      <td>
        <code>
          <Breakable text={e.action} />
        </code>
      </td>
      <td className="audit-target">
        {e.target ? (
          <>
            {typeof e.detail.name === 'string' && <span className="audit-name">{e.detail.name}</span>}
            <span className="audit-sub">
              {e.target.type}{' '}
              {targetPath(e) ? (
                <a href={href(targetPath(e)!)}>
                  <code>{e.target.id}</code>
                </a>
              ) : (
                <code>{e.target.id}</code>
              )}
            </span>
          </>
        ) : (
          <span className="muted" aria-label="no target">
            —
          </span>
        )}
      </td>
      <td className="audit-detail">{detailWords(e.detail) || <span className="muted" aria-label="no details">—</span>}</td>
      <td className="audit-ip">
        {e.ip ?? '—'}
        {e.requestId && <span className="audit-sub" title="Request id">{e.requestId}</span>}
      </td>
    </tr>
  );
}
