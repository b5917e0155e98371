/**
 * Executions: filter by workflow and status, updated live from server-sent events, paged with a
 * cursor. Each row says what started the run (the trigger's one-line summary), where it failed and
 * why, how long it took and which version ran.
 */
import { useEffect, useState } from 'react';
import type { ExecutionSummary } from '#shared/execution.ts';
import { ExecutionStatus } from '#shared/execution.ts';
import { api, errorMessage } from '../api/client.ts';
import { useServerEvents } from '../api/events.ts';
import { EmptyState, ErrorState, Loading, StatusBadge, statusLabel } from '../components/ui.tsx';
import { useAsync } from '../components/use-async.ts';
import { formatDateTime, formatDuration, timeAgo } from '../lib/format.ts';
import { href, navigate } from '../lib/router.ts';
import { modeLabel, shortId } from '../lib/execution-words.ts';
import { toast } from '../lib/toast.ts';
import { BulkBar } from './bulk-bar.tsx';
import '../styles/executions.css';

const PAGE = 50;

export function ExecutionsPage({ workflowId, status }: { workflowId: string; status: string }) {
  const workflows = useAsync(() => api.workflows.list({ limit: 200 }), []);
  const list = useAsync(() => api.executions.list({ workflowId, status, limit: PAGE }), [workflowId, status]);
  const [extra, setExtra] = useState<{ items: ExecutionSummary[]; cursor: string | null } | null>(null);
  const names = new Map((workflows.data?.items ?? []).map((w) => [w.id, w.name]));

  const setFilter = (next: { workflowId?: string; status?: string }) => {
    const p = new URLSearchParams();
    const w = next.workflowId ?? workflowId;
    const s = next.status ?? status;
    if (w) p.set('workflowId', w);
    if (s) p.set('status', s);
    setExtra(null);
    navigate(`/executions${p.size ? `?${p}` : ''}`);
  };

  useServerEvents({
    execution: (e) => {
      list.setData((d) => {
        if (!d) return d;
        const known = d.items.some((x) => x.id === e.id);
        const matches = (!workflowId || e.workflowId === workflowId) && (!status || e.status === status);
        if (known) return { ...d, items: matches ? d.items.map((x) => (x.id === e.id ? { ...x, ...e } : x)) : d.items.filter((x) => x.id !== e.id) };
        return matches ? { ...d, items: [e, ...d.items] } : d;
      });
    },
  });

  // Polling backs up live events while a listed run is unfinished: a run that ends before the event
  // stream connects sends its last event to no one, and its row would say "Queued" until a reload.
  const unfinished = (list.data?.items ?? []).some((x) => x.status === 'queued' || x.status === 'running');
  useEffect(() => {
    if (!unfinished) return;
    const t = setInterval(() => {
      api.executions.list({ workflowId, status, limit: PAGE }).then((fresh) => list.setData(() => fresh), () => undefined);
    }, 2000);
    return () => clearInterval(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- list.setData is stable
  }, [unfinished, workflowId, status]);

  const items = [...(list.data?.items ?? []), ...(extra?.items ?? [])];
  const cursor = extra ? extra.cursor : (list.data?.nextCursor ?? null);
  const loadMore = async () => {
    if (!cursor) return;
    try {
      const r = await api.executions.list({ workflowId, status, limit: PAGE, cursor });
      setExtra((x) => ({ items: [...(x?.items ?? []), ...r.items], cursor: r.nextCursor ?? null }));
    } catch (e) {
      toast('error', 'Could not load more', errorMessage(e));
    }
  };

  return (
    <div className="page">
      <header className="page-head">
        <h1>Executions</h1>
        <label className="filter">
          <span>Workflow</span>
          <select className="input" value={workflowId} onChange={(e) => setFilter({ workflowId: e.target.value })}>
            <option value="">All workflows</option>
            {(workflows.data?.items ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        </label>
        <label className="filter">
          <span>Status</span>
          <select className="input" value={status} onChange={(e) => setFilter({ status: e.target.value })}>
            <option value="">Any status</option>
            {ExecutionStatus.options.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </label>
        <span className="spacer" />
        <span className="live-dot" title="Updates live">
          Live
        </span>
      </header>
      <BulkBar filter={{ ...(workflowId ? { workflowId } : {}), ...(status ? { status: status as ExecutionSummary['status'] } : {}) }} onDone={list.reload} />
      {list.loading && !list.data ? (
        <Loading label="Loading executions…" />
      ) : list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : items.length === 0 ? (
        <EmptyState icon="▤" title={workflowId || status ? 'No executions match these filters' : 'No executions yet'}>
          {workflowId || status ? (
            <p>Clear a filter, or wait: new runs appear here as they start.</p>
          ) : (
            <p>
              Every time a trigger fires, a run appears here with each step’s input and output. Press <strong>Run</strong> in the editor to try one now.
            </p>
          )}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table table-click executions-table">
            <thead>
              <tr>
                <th>Status</th>
                <th>Workflow</th>
                <th>Trigger</th>
                <th>Failed at</th>
                <th>Duration</th>
                <th>Started</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <ExecutionRow key={e.id} e={e} workflowName={e.workflowName ?? names.get(e.workflowId) ?? e.workflowId} />
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

function ExecutionRow({ e, workflowName }: { e: ExecutionSummary; workflowName: string }) {
  const open = `/executions/${encodeURIComponent(e.id)}`;
  return (
    <tr onClick={() => navigate(open)}>
      <td>
        <StatusBadge status={e.status} />
      </td>
      <td>
        <span className="row-title">{workflowName}</span> <span className="version-tag">v{e.workflowVersion}</span>
      </td>
      <td className="exec-trigger">
        <span className="exec-mode">
          {e.mode === 'retry' && e.retryOf ? (
            <>
              Retry of{' '}
              <a href={href(`/executions/${encodeURIComponent(e.retryOf)}`)} onClick={(ev) => ev.stopPropagation()} title={e.retryOf}>
                <code>{shortId(e.retryOf)}</code>
              </a>
            </>
          ) : (
            modeLabel(e.mode)
          )}
        </span>
        {e.summary && (
          <span className="exec-summary" title={e.summary}>
            {e.summary}
          </span>
        )}
      </td>
      <td className="exec-failure">
        {e.failedNode ? (
          <>
            <strong>{e.failedNode.name}</strong>
            {e.error && (
              <span className="exec-error" title={`${e.error.code}: ${e.error.message}`}>
                {e.error.message}
              </span>
            )}
          </>
        ) : e.error ? (
          <span className="exec-error">{e.error.message}</span>
        ) : (
          <span className="muted" aria-label="nothing failed">
            —
          </span>
        )}
      </td>
      <td>{formatDuration(e.durationMs)}</td>
      <td>
        <a href={href(open)} onClick={(ev) => ev.stopPropagation()} title={`${formatDateTime(e.createdAt)} · ${e.id}`}>
          {timeAgo(e.createdAt)}
        </a>
      </td>
    </tr>
  );
}
