/**
 * The latest run of the workflow, and the known output of each node (the data picker's samples).
 * The run is painted on the canvas only when it ran the version being edited (`selectShownRun`):
 * a run of another version is offered to view on its own graph instead (slices/replay.ts).
 */
import type { ExecutionStatus, Step } from '#shared/execution.ts';
import type { EditorState } from '../store.ts';
import type { SliceContext } from './context.ts';

export type RunState = {
  executionId: string;
  status: ExecutionStatus;
  /** The workflow version the execution ran. */
  version: number;
  steps: Record<string, Step>;
};

/**
 * The run whose statuses the nodes show: while a past execution is viewed, that one; otherwise
 * the latest run, if it ran the version being edited (its graph is this one's).
 */
export function selectShownRun(s: EditorState): RunState | null {
  if (!s.run) return null;
  if (s.replay) return s.run;
  return !s.workflow || s.run.version === s.workflow.version ? s.run : null;
}

export type RunSlice = {
  run: RunState | null;
  /** Known output per node: a captured trigger sample or the last run's step output; feeds the data picker. */
  sampleData: Record<string, unknown>;
  setRun(run: RunState | null): void;
  setRunStatus(executionId: string, status: ExecutionStatus): void;
  mergeStep(executionId: string, step: Step): void;
  setSample(nodeId: string, sample: unknown): void;
};

export function runSlice(c: SliceContext): RunSlice {
  return {
    run: null,
    sampleData: {},

    setRunStatus(executionId, status) {
      c.set((s) => (s.run && s.run.executionId === executionId && s.run.status !== status ? { run: { ...s.run, status } } : s));
    },

    setRun(run) {
      c.set((s) => {
        // While a past execution is viewed, only that execution updates what is shown; the latest
        // run is loaded again on the way back (actions.ts).
        if (s.replay && run?.executionId !== s.replay.executionId) return s;
        if (!run) return { run };
        const sampleData = { ...s.sampleData };
        for (const [nodeId, step] of Object.entries(run.steps)) if (step.status === 'success') sampleData[nodeId] = step.output;
        return { run, sampleData };
      });
    },

    mergeStep(executionId, step) {
      c.set((s) => {
        if (!s.run || s.run.executionId !== executionId) return s;
        const sampleData = step.status === 'success' ? { ...s.sampleData, [step.nodeId]: step.output } : s.sampleData;
        return { run: { ...s.run, steps: { ...s.run.steps, [step.nodeId]: step } }, sampleData };
      });
    },

    setSample(nodeId, sample) {
      c.set((s) => ({ sampleData: { ...s.sampleData, [nodeId]: sample } }));
    },
  };
}
