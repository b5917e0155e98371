/**
 * Executions: filter by workflow, status, trigger mode, time range and text (execution-filters.tsx;
 * the URL keeps them), updated live from server-sent events, paged with a cursor. Each row says what started the run (the trigger's one-line summary), where it failed and
 * why, how long it took and which version ran.
 */
import { useEffect, useState } from 'react';
import type { ExecutionSummary } from '#shared/execution.ts';
import { api, errorMessage } from '../api/client.ts';
import { useServerEvents } from '../api/events.ts';
import { EmptyState, ErrorState, Loading, StatusBadge } from '../components/ui.tsx';
import { useAsync } from '../components/use-async.ts';
import { formatDateTime, formatDuration, timeAgo } from '../lib/format.ts';
import { href, navigate } from '../lib/router.ts';
import { modeLabel, shortId } from '../lib/execution-words.ts';
import { toast } from '../lib/toast.ts';
import { BulkBar } from './bulk-bar.tsx';
import { anyFilter, ExecutionFilterForm, executionsPath, type ExecutionFilters } from './execution-filters.tsx';
import '../styles/executions.css';

const PAGE = 50;

/** The filters as the API takes them (empty ones left out). */
const apiFilters = (f: ExecutionFilters) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== ''));

export function ExecutionsPage(filters: ExecutionFilters) {
  const { workflowId, status, mode, from, to, q } = filters;
  const key = executionsPath(filters);
  const workflows = useAsync(() => api.workflows.list({ limit: 200 }), []);
  const list = useAsync(() => api.executions.list({ ...apiFilters(filters), limit: PAGE }), [key]);
  const [older, setOlder] = useState<{ key: string; items: ExecutionSummary[]; cursor: string | null } | null>(null);
  // Pages loaded for other filters are dropped the moment the filters change.
  const extra = older?.key === key ? older : null;
  const names = new Map((workflows.data?.items ?? []).map((w) => [w.id, w.name]));
  const filtered = anyFilter(filters);

  useServerEvents({
    execution: (e) => {
      list.setData((d) => {
        if (!d) return d;
        const known = d.items.some((x) => x.id === e.id);
        const matches = (!workflowId || e.workflowId === workflowId) && (!status || e.status === status) && (!mode || e.mode === mode);
        if (known) return { ...d, items: matches ? d.items.map((x) => (x.id === e.id ? { ...x, ...e } : x)) : d.items.filter((x) => x.id !== e.id) };
        // A new run joins the list only when the filters can be checked here: the text is matched
        // by the server, and a range that ends has no room for a run starting now.
        return matches && !q && !to && (!from || e.createdAt >= from) ? { ...d, items: [e, ...d.items] } : d;
      });
    },
  });

  // Polling backs up live events while a listed run is unfinished: a run that ends before the event
  // stream connects sends its last event to no one, and its row would say "Queued" until a reload.
  const unfinished = (list.data?.items ?? []).some((x) => x.status === 'queued' || x.status === 'running');
  useEffect(() => {
    if (!unfinished) return;
    const t = setInterval(() => {
      api.executions.list({ ...apiFilters(filters), limit: PAGE }).then((fresh) => list.setData(() => fresh), () => undefined);
    }, 2000);
    return () => clearInterval(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- list.setData is stable; key stands for the filters
  }, [unfinished, key]);

  const items = [...(list.data?.items ?? []), ...(extra?.items ?? [])];
  const cursor = extra ? extra.cursor : (list.data?.nextCursor ?? null);
  const loadMore = async () => {
    if (!cursor) return;
    try {
      const r = await api.executions.list({ ...apiFilters(filters), limit: PAGE, cursor });
      setOlder({ key, items: [...(extra?.items ?? []), ...r.items], cursor: r.nextCursor ?? null });
    } catch (e) {
      toast('error', 'Could not load more', errorMessage(e));
    }
  };

  return (
    <div className="page">
      <header className="page-head">
        <h1>Executions</h1>
        <span className="spacer" />
        <span className="live-dot" title="Updates live">
          Live
        </span>
      </header>
      <ExecutionFilterForm key={key} filters={filters} workflows={workflows.data?.items ?? []} />
      {/* Bulk actions take workflow, status and time range only: with a text or trigger filter they
          would reach runs this list does not show, so they are offered without one. */}
      {!q && !mode && (
        <BulkBar
          filter={{ ...(workflowId ? { workflowId } : {}), ...(status ? { status: status as ExecutionSummary['status'] } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) }}
          onDone={list.reload}
        />
      )}
      {list.loading && !list.data ? (
        <Loading label="Loading executions…" />
      ) : list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : items.length === 0 ? (
        <EmptyState icon="▤" title={filtered ? (q ? `No executions contain “${q}”` : 'No executions match these filters') : 'No executions yet'}>
          {filtered ? (
            <p>{q ? 'Search matches text in the trigger event and in step outputs, in any case. Check the spelling, or widen the other filters.' : 'Clear a filter, or wait: new runs appear here as they start.'}</p>
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
