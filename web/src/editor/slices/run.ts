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
  /** Loop bodies: each body node's status per item it ran for (`iteration` key → status); its `steps` entry is the latest. */
  iterations?: Record<string, Record<string, Step['status']>>;
};

/** Adds one step to a run's maps: by node, and for a loop body's step, by node and item too. */
export function withStep(run: Pick<RunState, 'steps' | 'iterations'>, step: Step): Pick<RunState, 'steps' | 'iterations'> {
  if (!step.iteration) return { steps: { ...run.steps, [step.nodeId]: step }, iterations: run.iterations };
  const mine = { ...run.iterations?.[step.nodeId], [step.iteration]: step.status };
  return { steps: { ...run.steps, [step.nodeId]: step }, iterations: { ...run.iterations, [step.nodeId]: mine } };
}

/** The run state of a list of steps (an execution's detail). */
export function runSteps(list: readonly Step[]): Pick<RunState, 'steps' | 'iterations'> {
  const steps: Record<string, Step> = {};
  const iterations: Record<string, Record<string, Step['status']>> = {};
  for (const step of list) {
    steps[step.nodeId] = step;
    if (step.iteration) (iterations[step.nodeId] ??= {})[step.iteration] = step.status;
  }
  return { steps, iterations };
}

/**
 * Where a node's known output came from. The webhook panel and the data picker both show the one
 * sample in `sampleData` with this label, so they never disagree about what the next nodes see.
 */
export type SampleSource =
  | { kind: 'test-event'; at: string | null }
  | { kind: 'test-poll'; at: string }
  | { kind: 'run'; at: string | null; executionId: string };

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
  /** Known output per node: a captured trigger sample or a run's step output; feeds the data picker. */
  sampleData: Record<string, unknown>;
  sampleSources: Record<string, SampleSource>;
  setRun(run: RunState | null): void;
  setRunStatus(executionId: string, status: ExecutionStatus): void;
  mergeStep(executionId: string, step: Step): void;
  /** Keeps the newer of the current sample and this one (fetches finish in any order). */
  setSample(nodeId: string, sample: unknown, source: SampleSource): void;
};

/** Whether `next` should replace `current`: anything replaces nothing; otherwise the newer wins, ties to `next`. */
export function replacesSample(current: SampleSource | undefined, next: SampleSource): boolean {
  if (!current || !current.at || !next.at) return true;
  return Date.parse(next.at) >= Date.parse(current.at);
}

function withStepSample(
  s: Pick<RunSlice, 'sampleData' | 'sampleSources'>,
  executionId: string,
  step: Step,
): Pick<RunSlice, 'sampleData' | 'sampleSources'> | null {
  if (step.status !== 'success') return null;
  const source: SampleSource = { kind: 'run', at: step.finishedAt ?? step.startedAt, executionId };
  if (!replacesSample(s.sampleSources[step.nodeId], source)) return null;
  return { sampleData: { ...s.sampleData, [step.nodeId]: step.output }, sampleSources: { ...s.sampleSources, [step.nodeId]: source } };
}

export function runSlice(c: SliceContext): RunSlice {
  return {
    run: null,
    sampleData: {},
    sampleSources: {},

    setRunStatus(executionId, status) {
      c.set((s) => (s.run && s.run.executionId === executionId && s.run.status !== status ? { run: { ...s.run, status } } : s));
    },

    setRun(run) {
      c.set((s) => {
        // While a past execution is viewed, only that execution updates what is shown; the latest
        // run is loaded again on the way back (actions.ts).
        if (s.replay && run?.executionId !== s.replay.executionId) return s;
        if (!run) return { run };
        let samples: Pick<RunSlice, 'sampleData' | 'sampleSources'> = s;
        for (const step of Object.values(run.steps)) samples = withStepSample(samples, run.executionId, step) ?? samples;
        return { run, sampleData: samples.sampleData, sampleSources: samples.sampleSources };
      });
    },

    mergeStep(executionId, step) {
      c.set((s) => {
        if (!s.run || s.run.executionId !== executionId) return s;
        return { run: { ...s.run, ...withStep(s.run, step) }, ...withStepSample(s, executionId, step) };
      });
    },

    setSample(nodeId, sample, source) {
      c.set((s) =>
        replacesSample(s.sampleSources[nodeId], source)
          ? { sampleData: { ...s.sampleData, [nodeId]: sample }, sampleSources: { ...s.sampleSources, [nodeId]: source } }
          : s,
      );
    },
  };
}
