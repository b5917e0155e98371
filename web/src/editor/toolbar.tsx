/**
 * The editor's top bar: name, save state, undo/redo, layout, problems, past runs, version history, settings, Run,
 * the Active switch and Save. While a past execution is viewed, everything that edits, saves or runs is disabled.
 */
import { useReactFlow } from '@xyflow/react';
import { useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { Icon } from '../components/icons.tsx';
import { Switch } from '../components/ui.tsx';
import { href } from '../lib/router.ts';
import { layoutPositions } from './layout.ts';
import { fieldLabel } from './node-summary.ts';
import { saveWorkflow, setActive } from './actions.ts';
import { useHistoryPanel } from './history.ts';
import { LatestRun, PastRunsMenu } from './past-runs-menu.tsx';
import { focusNodeSoon } from './node-picker.tsx';
import { RunButton } from './run-menu.tsx';
import { SettingsDialog, useSettingsDialog } from './settings-dialog.tsx';
import { selectIsDirty, useEditorStore, type NodeIssue } from './store.ts';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const MOD = isMac ? '⌘' : 'Ctrl+';

export function Toolbar() {
  const { name, isDirty, busy, active, workflowId, version, canUndo, canRedo, viewing } = useEditorStore(
    useShallow((s) => ({
      name: s.name,
      isDirty: selectIsDirty(s),
      busy: s.busy,
      active: s.workflow?.active ?? false,
      workflowId: s.workflow?.id ?? '',
      version: s.workflow?.version ?? 0,
      canUndo: s.past.length > 0,
      canRedo: s.future.length > 0,
      viewing: s.replay !== null,
    })),
  );
  const { fitView } = useReactFlow();
  const store = useEditorStore.getState();
  const settingsOpen = useSettingsDialog((s) => s.isOpen);

  const tidy = () => {
    const { nodes, edges, applyLayout } = useEditorStore.getState();
    applyLayout(layoutPositions(nodes, edges));
    requestAnimationFrame(() => void fitView({ padding: 0.3, duration: 300, maxZoom: 1 }));
  };

  return (
    <header className="editor-bar">
      <a className="btn btn-icon btn-ghost" href={href('/')} aria-label="Back to workflows" title="Back to workflows">
        <Icon name="back" />
      </a>
      <input className="input input-name" aria-label="Workflow name" readOnly={viewing} value={name} onChange={(e) => store.setName(e.target.value)} placeholder="Untitled workflow" />
      <span className={`save-state${isDirty ? ' dirty' : ''}`} aria-live="polite">
        {busy === 'saving' ? 'Saving…' : isDirty ? 'Unsaved changes' : `Saved · v${version}`}
      </span>
      <div className="bar-group" role="group" aria-label="Edit">
        <button type="button" className="btn btn-icon btn-ghost" aria-label="Undo" title={`Undo (${MOD}Z)`} disabled={viewing || !canUndo} onClick={() => store.undo()}>
          <Icon name="undo" />
        </button>
        <button type="button" className="btn btn-icon btn-ghost" aria-label="Redo" title={`Redo (${MOD}Shift+Z)`} disabled={viewing || !canRedo} onClick={() => store.redo()}>
          <Icon name="redo" />
        </button>
        <button type="button" className="btn btn-icon btn-ghost" aria-label="Auto-layout" title="Tidy up (auto-layout)" disabled={viewing} onClick={tidy}>
          <Icon name="layout" />
        </button>
        <button type="button" className="btn btn-icon btn-ghost" aria-label="Fit view" title="Fit view" onClick={() => void fitView({ padding: 0.3, duration: 300, maxZoom: 1 })}>
          <Icon name="fit" />
        </button>
      </div>
      {/* The problem lists are the draft's; a past execution's graph is not checked. */}
      {!viewing && <Problems />}
      <span className="spacer" />
      <LatestRun />
      <PastRunsMenu disabled={busy !== null} />
      <button
        type="button"
        className="btn btn-ghost bar-history"
        aria-label="History"
        aria-haspopup="dialog"
        disabled={viewing || busy !== null}
        onClick={() => useHistoryPanel.getState().show()}
        title="Version history: what changed in each save, and restore one"
      >
        <Icon name="history" /> <span className="bar-history-word">History</span>
      </button>
      <button
        type="button"
        className="btn btn-ghost bar-settings"
        aria-label="Settings"
        aria-haspopup="dialog"
        disabled={viewing || busy !== null}
        onClick={() => useSettingsDialog.getState().show()}
        title="Workflow settings: alert e-mails, concurrency, timeout"
      >
        <Icon name="settings" /> <span className="bar-history-word">Settings</span>
      </button>
      {settingsOpen && <SettingsDialog onClose={() => useSettingsDialog.getState().close()} />}
      <a className="btn btn-ghost bar-executions" href={href(`/executions?workflowId=${encodeURIComponent(workflowId)}`)}>
        Executions
      </a>
      <RunButton disabled={viewing || busy !== null} running={busy === 'running'} />
      <label className="active-toggle">
        <span>{busy === 'activating' ? 'Activating…' : busy === 'deactivating' ? 'Deactivating…' : active ? 'Active' : 'Inactive'}</span>
        <Switch checked={active} label="Active" disabled={viewing || busy !== null} onChange={(v) => void setActive(v)} />
      </label>
      <button type="button" className="btn btn-primary" disabled={viewing || busy === 'saving'} onClick={() => void saveWorkflow()} title={`Save (${MOD}S)`}>
        Save
      </button>
    </header>
  );
}

function Problems() {
  const issues = useEditorStore(
    useShallow((s) => {
      const seen = new Set<string>();
      const out: NodeIssue[] = [];
      for (const i of [...s.serverIssues, ...s.graphIssues]) {
        const k = `${i.nodeId}|${i.path}|${i.message}`;
        if (!seen.has(k)) {
          seen.add(k);
          out.push(i);
        }
      }
      return out;
    }),
  );
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const { setCenter, getNode } = useReactFlow();
  if (issues.length === 0)
    return (
      <span className="problems ok" title="Ready to activate">
        ✓ <span className="problems-ok-text">Ready to activate</span>
      </span>
    );
  const go = (nodeId: string | null) => {
    if (!nodeId) return;
    useEditorStore.getState().select(nodeId);
    const n = getNode(nodeId);
    if (n) void setCenter(n.position.x + 120, n.position.y + 40, { zoom: 1, duration: 300 });
    setOpen(false);
    // Focus follows to the node, so the keyboard carries on from there (arrows, Delete, Tab into the panel).
    focusNodeSoon(nodeId);
  };
  return (
    <div
      className="problems-wrap"
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || !open) return;
        e.preventDefault();
        setOpen(false);
        toggle.current?.focus();
      }}
    >
      <button ref={toggle} type="button" className="btn btn-ghost problems" aria-expanded={open} onClick={() => setOpen(!open)}>
        ⚠ {issues.length} problem{issues.length === 1 ? '' : 's'}
      </button>
      {open && (
        <ul className="problems-list" aria-label="Problems">
          {issues.map((i) => {
            const node = i.nodeId ? useEditorStore.getState().nodes.find((n) => n.id === i.nodeId) : undefined;
            const def = node ? getNodeDefinition(node.data.type) : undefined;
            return (
              <li key={`${i.nodeId}|${i.path}|${i.message}`}>
                <button type="button" onClick={() => go(i.nodeId)} disabled={!i.nodeId}>
                  {i.nodeId && <code>{i.nodeId}</code>} {i.path && i.nodeId ? `${fieldLabel(def, i.path)}: ` : ''}
                  {i.message}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
