/**
 * The editor page (lazy-loaded): loads a workflow into the store, lays out palette, canvas,
 * toolbar and config panel, and wires shortcuts, the unsaved-changes guard, live run updates and,
 * from `?execution=<id>`, a past execution shown read-only in place of the draft; from
 * `?history=<v>`, the version history opened on that version.
 */
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
// The editor's stylesheets ride in this lazy chunk, so the other pages never load them.
import './styles/fields.css';
import './styles/frame.css';
import './styles/canvas.css';
import './styles/loops.css';
import './styles/panel.css';
import './styles/history.css';
import { useEffect, useRef, useState } from 'react';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { api, errorMessage } from '../api/client.ts';
import { useServerEvents } from '../api/events.ts';
import { ErrorState, Loading } from '../components/ui.tsx';
import { navigate, parseRoute, setNavigationGuard } from '../lib/router.ts';
import { toast } from '../lib/toast.ts';
import { isFinished, loadLatestRun, saveWorkflow, stopTracking, trackExecution } from './actions.ts';
import { addNodeWithFeedback } from './canvas-add.ts';
import { Canvas } from './canvas.tsx';
import { useAppendNode, useNodePicker } from './node-picker.tsx';
import { ConfigPanel } from './config-panel.tsx';
import { forgetJsonDrafts } from './fields/json-widget.tsx';
import { useHistoryPanel } from './history.ts';
import { HistoryPanel } from './history-panel.tsx';
import { useSettingsDialog } from './settings-dialog.tsx';
import { Palette } from './palette.tsx';
import { backToEditing, viewExecution } from './past-runs.ts';
import { ReplayBanner } from './replay-banner.tsx';
import { isReadOnly, selectIsDirty, useEditorStore } from './store.ts';
import { Toolbar } from './toolbar.tsx';

/**
 * `executionId`: a past execution to show on the canvas instead of the draft (from `?execution=`);
 * `historyVersion`: the version history opened on that version (from `?history=`, an execution's "v3").
 */
export function EditorPage({ workflowId, executionId = null, historyVersion = null }: { workflowId: string; executionId?: string | null; historyVersion?: string | null }) {
  const [state, setState] = useState<{ loading: boolean; error: string | null }>({ loading: true, error: null });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setState({ loading: true, error: null });
    api.workflows.get(workflowId).then(
      (wf) => {
        if (!live) return;
        forgetJsonDrafts(); // drafts belong to the workflow that was open
        useEditorStore.getState().load(wf);
        setState({ loading: false, error: null });
        void loadLatestRun(wf.id);
      },
      (e) => live && setState({ loading: false, error: errorMessage(e) }),
    );
    return () => {
      live = false;
      stopTracking();
      useNodePicker.getState().close(); // the step picker belongs to the workflow it was opened on
    };
  }, [workflowId, attempt]);

  // The address says which execution is on the canvas; without one, the draft is.
  const loaded = !state.loading && !state.error;
  useEffect(() => {
    if (!loaded) return;
    if (!executionId) {
      backToEditing();
      return;
    }
    void viewExecution(executionId).then((shown) => {
      // It cannot be shown (gone, another workflow's): the toast says why; the address drops it.
      if (!shown && parseRoute(window.location.hash.slice(1)).query.get('execution') === executionId) {
        navigate(`/workflows/${encodeURIComponent(workflowId)}`, { replace: true });
      }
    });
  }, [loaded, executionId, workflowId]);

  useEffect(() => {
    if (!loaded || historyVersion === null) return;
    const v = Number(historyVersion);
    useHistoryPanel.getState().show(Number.isInteger(v) && v > 0 ? v : null);
  }, [loaded, historyVersion]);
  // The panel belongs to the workflow it was opened on.
  useEffect(
    () => () => {
      useHistoryPanel.getState().close();
      useSettingsDialog.getState().close(); // its draft belongs to the workflow it was opened on
    },
    [workflowId],
  );

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (!selectIsDirty(useEditorStore.getState())) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    // Viewing a past execution and going back stay on this page: the draft is kept, no question asked.
    const staysHere = () => {
      const [first, second, ...rest] = parseRoute(window.location.hash.slice(1)).segments;
      return first === 'workflows' && second === workflowId && rest.length === 0;
    };
    const unguard = setNavigationGuard(
      () => staysHere() || !selectIsDirty(useEditorStore.getState()) || window.confirm('You have unsaved changes. Leave without saving?'),
    );
    return () => {
      window.removeEventListener('beforeunload', warn);
      unguard();
    };
  }, [workflowId]);

  useServerEvents({
    execution: (e) => {
      const s = useEditorStore.getState();
      if (e.workflowId !== workflowId) return;
      s.setRunStatus(e.id, e.status);
      // Runs started elsewhere (a webhook, the schedule) show up on the canvas as they happen;
      // while a past execution is viewed, the latest is fetched on the way back instead.
      if (isReadOnly(s)) return;
      if (!s.run || (s.run.executionId !== e.id && isFinished(s.run.status))) void trackExecution(e.id, { version: e.workflowVersion });
    },
    step: (e) => {
      if (e.workflowId === workflowId) useEditorStore.getState().mergeStep(e.executionId, e.step);
    },
  });

  if (state.loading) return <Loading label="Opening the workflow…" />;
  if (state.error) return <ErrorState message={state.error} onRetry={() => setAttempt((a) => a + 1)} />;
  return (
    <ReactFlowProvider>
      <EditorLayout />
    </ReactFlowProvider>
  );
}

const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));

function EditorLayout() {
  const hasTrigger = useEditorStore((s) => s.nodes.some((n) => getNodeDefinition(n.data.type)?.kind === 'trigger'));
  const readOnly = useEditorStore(isReadOnly);
  const { screenToFlowPosition } = useReactFlow();

  const [open, setOpen] = useState(readSides);
  const toggle = (side: keyof Sides) =>
    setOpen((o) => {
      const next = { ...o, [side]: !o[side] };
      localStorage.setItem(SIDES_KEY, JSON.stringify(next));
      return next;
    });
  const append = useAppendNode();
  const lastAdded = useRef<string | null>(null);
  /** A click in the palette: after the selected node (or the one added last), else in the middle of the view. */
  const addByClick = (type: string) => {
    const s = useEditorStore.getState();
    const fromId = [s.selectedNodeId, lastAdded.current].find((id) => id && s.nodes.some((n) => n.id === id));
    if (fromId && getNodeDefinition(type)?.kind !== 'trigger') {
      lastAdded.current = append(type, fromId) ?? lastAdded.current;
      return;
    }
    const canvas = document.querySelector('.canvas')?.getBoundingClientRect();
    const center = canvas ? screenToFlowPosition({ x: canvas.left + canvas.width / 2, y: canvas.top + canvas.height / 2 }) : { x: 0, y: 0 };
    const pos = { x: center.x - 110 + (s.nodes.length % 5) * 20, y: center.y - 40 + (s.nodes.length % 5) * 20 };
    lastAdded.current = addNodeWithFeedback(type, pos) ?? lastAdded.current;
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      const s = useEditorStore.getState();
      if (mod && key === 's') {
        e.preventDefault();
        void saveWorkflow();
        return;
      }
      // Inside a dialog (the version history, a confirm) the other keys belong to it, not to the canvas behind.
      if (isTyping(e.target) || (e.target instanceof Element && e.target.closest('[aria-modal="true"]'))) return;
      if (mod && key === 'z') {
        e.preventDefault();
        if (e.shiftKey) s.redo();
        else s.undo();
      } else if (mod && key === 'y') {
        e.preventDefault();
        s.redo();
      } else if (mod && key === 'c') {
        const n = s.copySelection();
        if (n) toast('info', `Copied ${n} node${n === 1 ? '' : 's'}`);
      } else if (mod && key === 'v') {
        e.preventDefault();
        s.paste();
      } else if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) {
        e.preventDefault();
        s.deleteSelection();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="editor">
      <Toolbar />
      <ReplayBanner />
      <div className={`editor-main${open.palette ? '' : ' palette-closed'}${open.panel ? '' : ' panel-closed'}`}>
        <SideToggle side="palette" open={open.palette} onToggle={() => toggle('palette')} />
        {open.palette && <Palette onAdd={addByClick} hasTrigger={hasTrigger} disabled={readOnly} />}
        <Canvas />
        {open.panel && <ConfigPanel />}
        <SideToggle side="panel" open={open.panel} onToggle={() => toggle('panel')} />
      </div>
      <HistoryPanel onClosed={dropHistoryFromAddress} />
    </div>
  );
}

/** Closing the history drops `?history=` from the address, so a reload does not open it again. */
function dropHistoryFromAddress() {
  const route = parseRoute(window.location.hash.slice(1));
  if (route.query.has('history')) navigate(route.path, { replace: true });
}

/** Which side columns are open (the palette, the node panel); remembered, so a small screen keeps its choice. */
type Sides = { palette: boolean; panel: boolean };
const SIDES_KEY = 'switchyard.editor.sides';
function readSides(): Sides {
  try {
    const v = JSON.parse(localStorage.getItem(SIDES_KEY) ?? 'null') as Partial<Sides> | null;
    return { palette: v?.palette !== false, panel: v?.panel !== false };
  } catch {
    return { palette: true, panel: true };
  }
}

function SideToggle({ side, open, onToggle }: { side: keyof Sides; open: boolean; onToggle: () => void }) {
  const what = side === 'palette' ? 'node palette' : 'node panel';
  const arrow = (side === 'palette') === open ? '‹' : '›';
  return (
    <button type="button" className={`side-toggle side-${side}`} aria-expanded={open} aria-label={`${open ? 'Hide' : 'Show'} the ${what}`} title={`${open ? 'Hide' : 'Show'} the ${what}`} onClick={onToggle}>
      {arrow}
    </button>
  );
}
