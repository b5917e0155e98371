/**
 * The editor's version history (toolbar "History", or `?history=<v>` from an execution's page):
 * every saved version with who saved it, when and what changed; the selected one's diff against
 * the version before it or against the current draft (history-diff-view.tsx); and "Restore as
 * draft", which saves that version's graph as a new version, as Save would (history stays intact).
 */
import { useEffect, useRef, useState } from 'react';
import type { VersionListItem } from '#shared/api/versions.ts';
import { diffVersions, type DiffableVersion } from '#shared/graph/diff.ts';
import type { WorkflowVersion } from '#shared/workflow.ts';
import { api, errorMessage } from '../api/client.ts';
import { Modal, useConfirm } from '../components/ui.tsx';
import { formatDateTime, timeAgo } from '../lib/format.ts';
import { toast } from '../lib/toast.ts';
import { loadLatestRun, savesSettled } from './actions.ts';
import { comparable, useHistoryPanel } from './history.ts';
import { DiffView } from './history-diff-view.tsx';
import { selectIsDirty, useEditorStore } from './store.ts';

type Compare = 'previous' | 'draft';

export function HistoryPanel({ onClosed }: { onClosed: () => void }) {
  const { isOpen, version, close } = useHistoryPanel();
  const workflowId = useEditorStore((s) => s.workflow?.id ?? null);
  if (!isOpen || !workflowId) return null;
  return (
    <HistoryDialog
      key={workflowId}
      workflowId={workflowId}
      initial={version}
      onClose={() => {
        close();
        onClosed();
      }}
    />
  );
}

function HistoryDialog({ workflowId, initial, onClose }: { workflowId: string; initial: number | null; onClose: () => void }) {
  const [items, setItems] = useState<VersionListItem[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(initial);
  const [compare, setCompare] = useState<Compare>('previous');
  const [pair, setPair] = useState<{ before: DiffableVersion; after: DiffableVersion; beforeLabel: string; afterLabel: string } | null>(null);
  const [restoring, setRestoring] = useState(false);
  const [confirmNode, ask] = useConfirm();
  const cache = useRef(new Map<number, Promise<WorkflowVersion>>());
  const fetchVersion = (v: number) => {
    let p = cache.current.get(v);
    if (!p) {
      p = api.workflows.version(workflowId, v);
      p.catch(() => cache.current.delete(v)); // a failed fetch is tried again next time
      cache.current.set(v, p);
    }
    return p;
  };

  // Opened on a version (an execution's link) that is older than the first page: pages on to it.
  const loadPage = (from: string | null, seek: number | null = null): Promise<void> =>
    api.workflows.versions(workflowId, { limit: 100, cursor: from }).then(
      (page) => {
        setItems((prev) => [...(from ? (prev ?? []) : []), ...page.items]);
        setCursor(page.nextCursor);
        setSelected((s) => s ?? page.items[0]?.version ?? null);
        if (seek !== null && page.nextCursor && !page.items.some((v) => v.version <= seek)) return loadPage(page.nextCursor, seek);
      },
      (e) => setError(errorMessage(e)),
    );
  useEffect(() => {
    void loadPage(null, initial);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per open dialog
  }, [workflowId]);

  const item = items?.find((i) => i.version === selected) ?? null;
  useEffect(() => {
    if (!item) return;
    let live = true;
    setPair(null);
    const show = async () => {
      const version = await fetchVersion(item.version);
      const chosen = comparable(version);
      if (compare === 'draft') {
        const s = useEditorStore.getState();
        return { before: chosen, after: comparable({ name: s.name, ...s.toDocument() }), beforeLabel: `v${item.version}`, afterLabel: 'the current draft' };
      }
      if (item.previous === null) {
        const none = item.version === 1 ? 'nothing (the first version)' : 'nothing (earlier versions are not kept)';
        return { before: { name: chosen.name, nodes: [], edges: [] }, after: chosen, beforeLabel: none, afterLabel: `v${item.version}` };
      }
      const previous = comparable(await fetchVersion(item.previous));
      return { before: previous, after: chosen, beforeLabel: `v${item.previous}`, afterLabel: `v${item.version}` };
    };
    show().then(
      (p) => live && setPair(p),
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- fetchVersion is cached per dialog
  }, [item, compare]);

  const restore = async (v: VersionListItem) => {
    const s = useEditorStore.getState();
    const warnings = [
      `This saves v${v.version} as a new version; no version is changed or deleted.`,
      selectIsDirty(s) ? 'Your unsaved changes will be lost.' : '',
      s.workflow?.active ? 'The workflow is active: the restored version runs from now on (it must be valid, as with Save).' : '',
    ].filter(Boolean);
    if (!(await ask(`Restore v${v.version} as draft? ${warnings.join(' ')}`, 'Restore as draft'))) return;
    setRestoring(true);
    try {
      await savesSettled();
      const wf = await api.workflows.restoreVersion(workflowId, v.version);
      useEditorStore.getState().load(wf);
      void loadLatestRun(wf.id);
      toast('success', `Restored v${v.version} as v${wf.version}`, wf.active ? 'The active version now runs.' : undefined);
      onClose();
    } catch (e) {
      toast('error', 'Not restored', errorMessage(e));
    } finally {
      setRestoring(false);
    }
  };

  const dirty = useEditorStore(selectIsDirty);
  return (
    <>
      <Modal title="Version history" onClose={onClose} className="history-modal">
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="history-body">
          <div className="history-list-wrap">
            {items === null && !error && <p className="muted">Loading…</p>}
            <ul className="history-list" aria-label="Versions">
              {items?.map((v) => (
                <li key={v.version}>
                  <button type="button" className="history-item" aria-pressed={v.version === selected} onClick={() => setSelected(v.version)}>
                    {/* The spaces between the parts keep them apart in the button's accessible name (a flex layout ignores them). */}
                    <span className="history-item-head">
                      <strong>v{v.version}</strong> {v.isCurrent && <span className="badge status-success">Current</span>}{' '}
                      <span className="muted small" title={formatDateTime(v.savedAt)}>
                        {timeAgo(v.savedAt)}
                      </span>
                    </span>{' '}
                    <span className="history-item-summary">{v.summary}</span>{' '}
                    <span className="muted small">by {v.savedBy ?? 'unknown'}</span>
                  </button>
                </li>
              ))}
            </ul>
            {cursor && (
              <button type="button" className="btn btn-ghost" onClick={() => void loadPage(cursor)}>
                Load older versions
              </button>
            )}
          </div>
          <div className="history-detail">
            {item && (
              <>
                <div className="history-detail-head">
                  <h3>
                    v{item.version} · {item.name}
                  </h3>
                  <span className="muted small">
                    {formatDateTime(item.savedAt)} · by {item.savedBy ?? 'unknown'}
                  </span>
                  <span className="spacer" />
                  <button
                    type="button"
                    className="btn btn-primary"
                    disabled={restoring || (item.isCurrent && !dirty)}
                    title={item.isCurrent && !dirty ? 'This is the current version' : 'Save this version as a new version'}
                    onClick={() => void restore(item)}
                  >
                    {restoring ? 'Restoring…' : 'Restore as draft'}
                  </button>
                </div>
                <fieldset className="history-compare">
                  <legend>Compare with</legend>
                  <label>
                    <input type="radio" name="history-compare" checked={compare === 'previous'} onChange={() => setCompare('previous')} /> The version before
                  </label>
                  <label>
                    <input type="radio" name="history-compare" checked={compare === 'draft'} onChange={() => setCompare('draft')} /> The current draft
                  </label>
                </fieldset>
                {pair ? <DiffView {...pair} diff={diffVersions(pair.before, pair.after)} /> : <p className="muted">Loading the diff…</p>}
              </>
            )}
          </div>
        </div>
      </Modal>
      {confirmNode}
    </>
  );
}
