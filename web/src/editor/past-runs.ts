/**
 * Putting a past execution on the canvas (read-only, on the graph of the version it ran) and going
 * back to editing. The route drives it: `#/workflows/<id>?execution=<executionId>` (editor-page.tsx).
 */
import { api, errorMessage } from '../api/client.ts';
import { toast } from '../lib/toast.ts';
import { loadLatestRun, savesSettled, toRunState } from './actions.ts';
import { useEditorStore } from './store.ts';

/** The address that opens `executionId` of `workflowId` on the editor's canvas. */
export const executionViewPath = (workflowId: string, executionId: string) =>
  `/workflows/${encodeURIComponent(workflowId)}?execution=${encodeURIComponent(executionId)}`;

let opening = 0;

/**
 * Fetches the execution and the version it ran, then shows them in place of the draft. False (with
 * a toast saying why) when it cannot: another workflow's execution, or one that is gone.
 */
export async function viewExecution(executionId: string): Promise<boolean> {
  const ticket = ++opening;
  const wf = useEditorStore.getState().workflow;
  if (!wf) return false;
  try {
    const d = await api.executions.get(executionId);
    if (d.workflowId !== wf.id) {
      toast('error', 'Not an execution of this workflow', `Execution ${executionId} belongs to another workflow.`);
      return false;
    }
    const version = await api.workflows.version(wf.id, d.workflowVersion);
    // A save under way finishes on the draft before it is set aside.
    await savesSettled();
    if (ticket !== opening || useEditorStore.getState().workflow?.id !== wf.id) return false;
    useEditorStore.getState().enterReplay(
      { executionId: d.id, version: d.workflowVersion, status: d.status, mode: d.mode, startedAt: d.startedAt ?? d.createdAt },
      { nodes: version.nodes, edges: version.edges },
      toRunState(d),
    );
    return true;
  } catch (e) {
    if (ticket === opening) toast('error', 'Could not show that execution', errorMessage(e));
    return false;
  }
}

/** Back to the draft as it was; the latest run is fetched again, since runs may have happened meanwhile. */
export function backToEditing(): void {
  opening++;
  const s = useEditorStore.getState();
  if (!s.replay) return;
  s.leaveReplay();
  if (s.workflow) void loadLatestRun(s.workflow.id);
}
