/** The run shown on the canvas, and the known output of each node (the data picker's samples). */
import type { ExecutionStatus, Step } from '#shared/execution.ts';
import type { SliceContext } from './context.ts';

export type RunState = {
  executionId: string;
  status: ExecutionStatus;
  steps: Record<string, Step>;
};

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
