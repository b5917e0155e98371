/** The workflows list: search, create (from a trigger or a template), import/export, duplicate, delete, the Active switch and last run. */
import { useEffect, useState } from 'react';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { api, ApiError, errorMessage, type WorkflowListItem } from '../api/client.ts';
import { useServerEvents } from '../api/events.ts';
import { EmptyState, ErrorState, Loading, StatusBadge, Switch, useConfirm } from '../components/ui.tsx';
import { useAsync } from '../components/use-async.ts';
import { timeAgo } from '../lib/format.ts';
import { href } from '../lib/router.ts';
import { toast } from '../lib/toast.ts';
import { ImportWorkflow } from './import-workflow.tsx';
import { CreateWorkflow } from './new-workflow.tsx';
import { TemplateGallery } from './template-gallery.tsx';

const PAGE = 50;

export function WorkflowsPage() {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [creating, setCreating] = useState(false);
  const [confirmNode, confirm] = useConfirm();
  const [importing, setImporting] = useState(false);
  const list = useAsync(() => api.workflows.list({ q: query, limit: PAGE }), [query]);
  const [more, setMore] = useState<{ items: WorkflowListItem[]; cursor: string | null } | null>(null);

  useEffect(() => {
    const t = setTimeout(() => setQuery(q.trim()), 250);
    return () => clearTimeout(t);
  }, [q]);
  useEffect(() => setMore(null), [list.data]);

  const items = [...(list.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : (list.data?.nextCursor ?? null);

  const patch = (id: string, fn: (w: WorkflowListItem) => WorkflowListItem) => {
    list.setData((d) => d && { ...d, items: d.items.map((w) => (w.id === id ? fn(w) : w)) });
    setMore((m) => m && { ...m, items: m.items.map((w) => (w.id === id ? fn(w) : w)) });
  };

  useServerEvents({
    execution: (e) =>
      patch(e.workflowId, (w) =>
        w.lastExecution && w.lastExecution.createdAt > e.createdAt ? w : { ...w, lastExecution: { id: e.id, status: e.status, createdAt: e.createdAt, finishedAt: e.finishedAt } },
      ),
  });

  const toggle = async (w: WorkflowListItem, active: boolean) => {
    try {
      const wf = active ? await api.workflows.activate(w.id) : await api.workflows.deactivate(w.id);
      patch(w.id, (x) => ({ ...x, active: wf.active, version: wf.version }));
      toast('success', active ? `“${w.name}” is active` : `“${w.name}” is inactive`);
    } catch (e) {
      if (e instanceof ApiError && e.issues.length) {
        toast('error', `“${w.name}” cannot be activated yet`, `${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}: open it to see them on the nodes.`);
      } else toast('error', 'Could not change the workflow', errorMessage(e));
    }
  };

  const duplicate = async (w: WorkflowListItem) => {
    try {
      const copy = await api.workflows.duplicate(w.id);
      toast('success', `Duplicated as “${copy.name}”`);
      list.reload();
    } catch (e) {
      toast('error', 'Could not duplicate', errorMessage(e));
    }
  };

  const remove = async (w: WorkflowListItem) => {
    if (!(await confirm(`Delete “${w.name}”? Its trigger stops and this cannot be undone.`))) return;
    try {
      await api.workflows.remove(w.id);
      toast('success', `Deleted “${w.name}”`);
      list.setData((d) => d && { ...d, items: d.items.filter((x) => x.id !== w.id) });
      setMore((m) => m && { ...m, items: m.items.filter((x) => x.id !== w.id) });
    } catch (e) {
      toast('error', 'Could not delete', errorMessage(e));
    }
  };

  const exportDoc = async (w: WorkflowListItem) => {
    try {
      const doc = await api.workflows.exportDoc(w.id);
      const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `${w.name.replace(/[^\w.-]+/g, '-').replace(/^-|-$/g, '') || 'workflow'}.switchyard.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    } catch (e) {
      toast('error', 'Could not export', errorMessage(e));
    }
  };

  const loadMore = async () => {
    if (!cursor) return;
    try {
      const r = await api.workflows.list({ q: query, limit: PAGE, cursor });
      setMore((m) => ({ items: [...(m?.items ?? []), ...r.items], cursor: r.nextCursor ?? null }));
    } catch (e) {
      toast('error', 'Could not load more', errorMessage(e));
    }
  };

  return (
    <div className="page">
      <header className="page-head">
        <h1>Workflows</h1>
        <input className="input search" type="search" aria-label="Search workflows" placeholder="Search by name…" value={q} onChange={(e) => setQ(e.target.value)} />
        <span className="spacer" />
        <button type="button" className="btn" onClick={() => setImporting(true)}>
          Import
        </button>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          + New workflow
        </button>
      </header>

      {list.loading && !list.data ? (
        <Loading label="Loading workflows…" />
      ) : list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : items.length === 0 ? (
        query ? (
          <EmptyState icon="?" title={`No workflow matches “${query}”`}>
            Try another name, or clear the search.
          </EmptyState>
        ) : (
          <>
            <EmptyState
              icon="⇄"
              title="Automate your first task"
              action={
                <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
                  Create a workflow
                </button>
              }
            >
              <p>A workflow is a trigger wired to actions. For example: when a form posts to a webhook, send the email address to your CRM with an HTTP request.</p>
              <p className="muted">You can also import a workflow someone exported.</p>
            </EmptyState>
            <TemplateGallery />
          </>
        )
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Trigger</th>
                <th>Last run</th>
                <th>Updated</th>
                <th>Active</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((w) => {
                const def = w.triggerType ? getNodeDefinition(w.triggerType) : undefined;
                return (
                  <tr key={w.id}>
                    <td>
                      <a className="row-title" href={href(`/workflows/${encodeURIComponent(w.id)}`)}>
                        {w.name}
                      </a>
                    </td>
                    <td>{def ? <span className="trigger-kind"><span aria-hidden="true">{def.icon}</span> {def.title}</span> : <span className="muted">No trigger yet</span>}</td>
                    <td>
                      {w.lastExecution ? (
                        <a href={href(`/executions/${encodeURIComponent(w.lastExecution.id)}`)} className="last-run" title={w.lastExecution.createdAt}>
                          <StatusBadge status={w.lastExecution.status} /> <span className="muted">{timeAgo(w.lastExecution.createdAt)}</span>
                        </a>
                      ) : (
                        <span className="muted">Never</span>
                      )}
                    </td>
                    <td className="muted" title={w.updatedAt}>
                      {timeAgo(w.updatedAt)}
                    </td>
                    <td>
                      <Switch checked={w.active} label={`Active: ${w.name}`} onChange={(v) => void toggle(w, v)} />
                    </td>
                    <td className="row-actions">
                      <button type="button" className="btn btn-small btn-ghost" onClick={() => void duplicate(w)} aria-label={`Duplicate ${w.name}`}>
                        Duplicate
                      </button>
                      <button type="button" className="btn btn-small btn-ghost" onClick={() => void exportDoc(w)} aria-label={`Export ${w.name}`}>
                        Export
                      </button>
                      <button type="button" className="btn btn-small btn-ghost btn-danger-text" onClick={() => void remove(w)} aria-label={`Delete ${w.name}`}>
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {cursor && (
            <button type="button" className="btn load-more" onClick={() => void loadMore()}>
              Load more
            </button>
          )}
        </div>
      )}
      {creating && <CreateWorkflow onClose={() => setCreating(false)} />}
      {importing && <ImportWorkflow onClose={() => setImporting(false)} onImported={list.reload} />}
      {confirmNode}
    </div>
  );
}
