/**
 * Editor commands that talk to the server: save, activate/deactivate, run, and following an
 * execution so each node shows its status. They read and write the editor store.
 */
import type { ExecutionDetail, ExecutionStatus, Step } from '#shared/execution.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { Issue } from '#shared/issues.ts';
import type { Workflow, WorkflowSettings } from '#shared/workflow.ts';
import { api, ApiError, errorMessage } from '../api/client.ts';
import { formatDuration, plural } from '../lib/format.ts';
import { declaredSample } from './expressions.ts';
import { toast } from '../lib/toast.ts';
import { isReadOnly, selectIsDirty, useEditorStore, type RunState } from './store.ts';
import { runSteps } from './slices/run.ts';

const FINISHED: readonly ExecutionStatus[] = ['success', 'error', 'canceled'];
export const isFinished = (s: ExecutionStatus) => FINISHED.includes(s);

let inFlight: Promise<Workflow | null> | null = null;

/** Resolves once no save is under way (a past execution is put on the canvas only then). */
export async function savesSettled(): Promise<void> {
  while (inFlight) await inFlight;
}

/** While a past execution is on the canvas, the draft is set aside: nothing saves or runs. */
function refusedWhileViewing(): boolean {
  if (!isReadOnly(useEditorStore.getState())) return false;
  toast('info', 'Viewing a past execution', 'Go back to editing first: nothing is saved or run from this view.');
  return true;
}

/** Saves the draft (one save at a time; a save requested meanwhile runs after it). */
export async function saveWorkflow(options: { quiet?: boolean } = {}): Promise<Workflow | null> {
  if (refusedWhileViewing()) return null;
  if (inFlight) await inFlight;
  const s = useEditorStore.getState();
  if (!s.workflow) return null;
  const revision = s.revision;
  const doc = s.toDocument();
  const name = s.name.trim() || 'Untitled workflow';
  s.setBusy('saving');
  inFlight = api.workflows.save(s.workflow.id, { name, ...doc }).then(
    (wf) => {
      useEditorStore.getState().markSaved(wf, revision);
      if (!options.quiet) toast('success', 'Saved', wf.active ? 'The active version now runs.' : undefined);
      return wf;
    },
    (e: unknown) => {
      const st = useEditorStore.getState();
      if (e instanceof ApiError && e.issues.length > 0 && st.workflow?.active) {
        // An active workflow's new version must be runnable: the faults are marked, nothing saved.
        st.setServerIssues(e.issues, doc);
        const first = st.serverIssues.find((i) => i.nodeId);
        if (first?.nodeId) st.select(first.nodeId);
        toast('error', 'Not saved: the active version keeps running', `${plural(e.issues.length, 'problem')} to fix; each is marked on its node.`, {
          label: 'Save as draft and deactivate',
          run: () => void saveAsDraft(),
        });
      } else {
        toast('error', 'Could not save', errorMessage(e));
      }
      return null;
    },
  );
  try {
    return await inFlight;
  } finally {
    inFlight = null;
    useEditorStore.getState().setBusy(null);
  }
}

/**
 * Saves the draft with new settings (the settings dialog). The normal save sends none, which keeps
 * the stored ones; this one replaces them. Faults come back for the dialog to show at its fields.
 */
export async function saveSettings(settings: WorkflowSettings): Promise<{ ok: true } | { ok: false; issues: Issue[]; message: string }> {
  if (refusedWhileViewing()) return { ok: false, issues: [], message: 'Viewing a past execution: go back to editing first.' };
  if (inFlight) await inFlight;
  const s = useEditorStore.getState();
  if (!s.workflow) return { ok: false, issues: [], message: 'No workflow is open.' };
  const revision = s.revision;
  const name = s.name.trim() || 'Untitled workflow';
  s.setBusy('saving');
  const saving = api.workflows.save(s.workflow.id, { name, ...s.toDocument(), settings });
  inFlight = saving.then(
    (wf) => wf,
    () => null,
  );
  try {
    const wf = await saving;
    useEditorStore.getState().markSaved(wf, revision);
    toast('success', 'Settings saved', wf.active ? 'The active version now runs with them.' : undefined);
    return { ok: true };
  } catch (e) {
    return { ok: false, issues: e instanceof ApiError ? e.issues : [], message: errorMessage(e) };
  } finally {
    inFlight = null;
    useEditorStore.getState().setBusy(null);
  }
}

/** Deactivates the workflow (its trigger stops), then saves the draft as it is, faults and all. */
export async function saveAsDraft(): Promise<Workflow | null> {
  const s = useEditorStore.getState();
  if (!s.workflow) return null;
  try {
    s.setWorkflowMeta(await api.workflows.deactivate(s.workflow.id));
  } catch (e) {
    toast('error', 'Could not deactivate', errorMessage(e));
    return null;
  }
  const wf = await saveWorkflow({ quiet: true });
  if (wf) toast('info', 'Saved as a draft', 'The workflow is inactive: its trigger no longer starts runs. Fix the problems, then activate it.');
  return wf;
}

/** Saves first when there are unsaved changes; false when that save failed. */
export async function ensureSaved(): Promise<boolean> {
  const s = useEditorStore.getState();
  if (!s.workflow) return false;
  if (!selectIsDirty(s)) return true;
  return (await saveWorkflow({ quiet: true })) !== null;
}

export async function setActive(active: boolean): Promise<void> {
  if (refusedWhileViewing() || !(await ensureSaved())) return;
  const s = useEditorStore.getState();
  if (!s.workflow) return;
  s.setBusy(active ? 'activating' : 'deactivating');
  try {
    const wf = active ? await api.workflows.activate(s.workflow.id) : await api.workflows.deactivate(s.workflow.id);
    const st = useEditorStore.getState();
    st.setWorkflowMeta(wf);
    st.setServerIssues([], st.toDocument());
    toast('success', active ? 'Workflow is active' : 'Workflow is inactive', active ? 'Its trigger now starts runs.' : 'Its trigger no longer starts runs.');
  } catch (e) {
    const st = useEditorStore.getState();
    if (e instanceof ApiError && e.issues.length > 0) {
      const doc = st.toDocument();
      st.setServerIssues(e.issues, doc);
      const first = st.serverIssues.find((i) => i.nodeId);
      if (first?.nodeId) st.select(first.nodeId);
      toast('error', 'Activation refused', `${plural(e.issues.length, 'problem')} to fix; each is marked on its node.`);
    } else {
      toast('error', active ? 'Could not activate' : 'Could not deactivate', errorMessage(e));
    }
  } finally {
    useEditorStore.getState().setBusy(null);
  }
}

/**
 * What a run starts with. `default`: a webhook's captured test event (never, silently, the newest
 * real one), a manual trigger's sample payload, or what the panel knows for the other triggers.
 * `latest`: the trigger output of the newest real (webhook) execution. `custom`: given JSON.
 */
export type RunWith = 'default' | 'latest' | { custom: unknown };

async function payloadFor(how: RunWith): Promise<{ payload: unknown } | { problem: string }> {
  const s = useEditorStore.getState();
  const trigger = s.nodes.find((n) => getNodeDefinition(n.data.type)?.kind === 'trigger');
  if (typeof how === 'object') return { payload: how.custom };
  if (!trigger || !s.workflow) return { payload: undefined };
  if (how === 'latest') {
    const page = await api.executions.list({ workflowId: s.workflow.id, limit: 20 });
    const real = page.items.find((e) => e.mode === 'webhook' || e.mode === 'schedule' || e.mode === 'poll');
    if (!real) return { problem: 'No real event has arrived yet. Run with the test event or with custom JSON instead.' };
    const step = (await api.executions.get(real.id)).steps.find((st) => st.nodeId === trigger.id);
    return { payload: step?.output };
  }
  if (trigger.data.type === 'trigger.manual') return { payload: trigger.data.config.samplePayload ?? {} };
  if (trigger.data.type === 'trigger.webhook') {
    const r = await api.nodes.sample(s.workflow.id, trigger.id).catch(() => ({ sample: null }));
    if (!r.sample) return { problem: 'No test event yet: listen for one on the Webhook node, or choose Run with custom JSON.' };
    return { payload: r.sample };
  }
  return { payload: s.sampleData[trigger.id] ?? declaredSample(trigger.data) };
}

export async function runWorkflow(how: RunWith = 'default'): Promise<void> {
  if (refusedWhileViewing() || !(await ensureSaved())) return;
  const s = useEditorStore.getState();
  if (!s.workflow) return;
  s.setBusy('running');
  try {
    const got = await payloadFor(how);
    if ('problem' in got) {
      toast('error', 'Not run', got.problem);
      return;
    }
    const { executionId } = await api.workflows.run(s.workflow.id, got.payload);
    toast('info', 'Run started', 'Actions really run. Each node shows its result as it finishes.');
    void trackExecution(executionId, { announce: true });
  } catch (e) {
    toast('error', 'Could not run', errorMessage(e));
  } finally {
    useEditorStore.getState().setBusy(null);
  }
}

export function toRunState(d: ExecutionDetail): RunState {
  return { executionId: d.id, status: d.status, version: d.workflowVersion, ...runSteps(d.steps) };
}

let tracking: string | null = null;

/**
 * Shows an execution on the canvas until it finishes (if it runs the version being edited; see
 * selectShownRun). Live `step` events update nodes as they come; polling the detail is the source
 * of truth and the fallback when events are unavailable. `version`: the version it runs, when
 * known before the first poll (a run started here runs the version just saved).
 */
export async function trackExecution(executionId: string, options: { announce?: boolean; version?: number } = {}): Promise<void> {
  tracking = executionId;
  const version = options.version ?? useEditorStore.getState().workflow?.version ?? 0;
  useEditorStore.getState().setRun({ executionId, status: 'queued', version, steps: {} });
  for (let i = 0; i < 600 && tracking === executionId; i++) {
    try {
      const d = await api.executions.get(executionId);
      if (tracking !== executionId) return;
      useEditorStore.getState().setRun(toRunState(d));
      if (isFinished(d.status)) {
        tracking = null;
        if (options.announce) {
          if (d.status === 'success') toast('success', 'Run succeeded', `Finished in ${formatDuration(d.durationMs)}. Click a node to see its input and output.`);
          else toast('error', d.status === 'canceled' ? 'Run canceled' : 'Run failed', d.error?.message ?? 'Click the red node to see why.');
        }
        return;
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      toast('error', 'Lost track of the run', errorMessage(e));
      return;
    }
    await new Promise((r) => setTimeout(r, i < 10 ? 400 : 1500));
  }
}

export function stopTracking(): void {
  tracking = null;
}

/** Loads the most recent execution of the workflow so the canvas and data picker have data. */
export async function loadLatestRun(workflowId: string): Promise<void> {
  try {
    const list = await api.executions.list({ workflowId, limit: 1 });
    const latest = list.items[0];
    if (!latest) return;
    const d = await api.executions.get(latest.id);
    if (useEditorStore.getState().workflow?.id !== workflowId || tracking) return;
    useEditorStore.getState().setRun(toRunState(d));
    if (!isFinished(d.status)) void trackExecution(d.id);
  } catch {
    // The last run is a convenience; the editor works without it.
  }
}
