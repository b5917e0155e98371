/**
 * The toolbar's "Runs" menu: this workflow's recent executions (status, when, version, mode), each
 * opening on the canvas read-only with the graph it ran (past-runs.ts); and, when the latest run
 * ran another version than the one being edited, the offer to view it there instead of painting
 * it on this graph. It also opens the version history (history-panel.tsx) and the workflow settings.
 */
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ExecutionSummary } from '#shared/execution.ts';
import { api, errorMessage } from '../api/client.ts';
import { StatusBadge, statusLabel } from '../components/ui.tsx';
import { formatDateTime, timeAgo } from '../lib/format.ts';
import { href } from '../lib/router.ts';
import { useHistoryPanel } from './history.ts';
import { executionViewPath } from './past-runs.ts';
import { useSettingsDialog } from './settings-dialog.tsx';
import { selectShownRun, useEditorStore } from './store.ts';

const RECENT = 15;

export function PastRunsMenu({ disabled }: { disabled: boolean }) {
  const workflowId = useEditorStore((s) => s.workflow?.id ?? '');
  const viewing = useEditorStore((s) => s.replay?.executionId ?? null);
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<ExecutionSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!open || !workflowId) return;
    let live = true;
    setError(null);
    api.executions.list({ workflowId, limit: RECENT }).then(
      (page) => live && setItems(page.items),
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [open, workflowId]);

  return (
    <div className="run-split">
      <button type="button" className="btn btn-ghost" aria-haspopup="menu" aria-expanded={open} disabled={disabled} onClick={() => setOpen(!open)} title="Open a past execution on the canvas">
        Runs ▾
      </button>
      {open && (
        <div className="run-menu past-runs" role="menu" aria-label="Past runs" onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
          <p className="run-menu-note">Open a run on the canvas, read-only, with the version it ran.</p>
          {error && <p className="field-error">{error}</p>}
          {!error && items === null && <p className="run-menu-note">Loading…</p>}
          {items?.length === 0 && <p className="run-menu-note">No runs yet.</p>}
          {items?.map((e) => (
            <a
              key={e.id}
              role="menuitem"
              className={`past-run${e.id === viewing ? ' on' : ''}`}
              aria-current={e.id === viewing ? 'true' : undefined}
              href={href(executionViewPath(workflowId, e.id))}
              title={formatDateTime(e.startedAt ?? e.createdAt)}
              onClick={() => setOpen(false)}
            >
              <StatusBadge status={e.status} />
              <span>{timeAgo(e.startedAt ?? e.createdAt)}</span>
              <span className="muted">v{e.workflowVersion}</span>
              <span className="muted">{e.mode}</span>
            </a>
          ))}
          <a className="past-run-all" href={href(`/executions?workflowId=${encodeURIComponent(workflowId)}`)}>
            All executions of this workflow
          </a>
          {/* Also the toolbar's History button, which narrow windows fold away. */}
          <button
            type="button"
            role="menuitem"
            className="past-run-all"
            disabled={viewing !== null}
            onClick={() => {
              setOpen(false);
              useHistoryPanel.getState().show();
            }}
          >
            Version history…
          </button>
          <button
            type="button"
            role="menuitem"
            className="past-run-all"
            disabled={viewing !== null}
            onClick={() => {
              setOpen(false);
              useSettingsDialog.getState().show();
            }}
          >
            Workflow settings…
          </button>
        </div>
      )}
    </div>
  );
}

/**
 * The latest run: a link to its execution when its statuses are on the nodes; when it ran another
 * version (its graph is not this one), "View" opens it on its own graph instead.
 */
export function LatestRun() {
  const { workflowId, run, shown } = useEditorStore(
    useShallow((s) => ({ workflowId: s.workflow?.id ?? '', run: s.replay ? null : s.run, shown: selectShownRun(s) !== null })),
  );
  if (!run) return null;
  if (shown) {
    return (
      <a className="last-run" href={href(`/executions/${encodeURIComponent(run.executionId)}`)} title="Open this execution" aria-label={`Last run: ${statusLabel(run.status)}`}>
        <span className="last-run-word">Last run</span> <StatusBadge status={run.status} />
      </a>
    );
  }
  return (
    <a
      className="last-run other-version"
      href={href(executionViewPath(workflowId, run.executionId))}
      title={`The last run ran version ${run.version}, not the one being edited: view it on the graph it ran`}
      aria-label={`Last run · v${run.version} ${statusLabel(run.status)} · View`}
    >
      <span className="last-run-word">Last run ·</span> v{run.version} <StatusBadge status={run.status} /> · View
    </a>
  );
}
