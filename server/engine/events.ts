/**
 * The event bus port and its in-process implementation: execution and step changes feed SSE,
 * webhook result mode and tests. Across processes (PostgreSQL) events-bridge.ts extends it.
 */
import { EventEmitter } from 'node:events';
import type { ExecutionStatus, Step, StepError } from '#shared/execution.ts';

export type ExecutionEvent = {
  executionId: string;
  workflowId: string;
  status: ExecutionStatus;
  error?: StepError | null;
  /** Output of the last finished node (for webhook result mode), only on final events. */
  lastOutput?: unknown;
};
export type StepEvent = { executionId: string; workflowId: string; step: Step };

export type EngineEvents = {
  onExecution(fn: (e: ExecutionEvent) => void): () => void;
  onStep(fn: (e: StepEvent) => void): () => void;
  emitExecution(e: ExecutionEvent): void;
  emitStep(e: StepEvent): void;
  /** Whether anyone listens for step events (building one costs a JSON parse). */
  hasStepListeners(): boolean;
  /** Resolves when the execution reaches a final status (or `timeoutMs` passes → undefined). */
  waitForFinal(executionId: string, timeoutMs: number, signal?: AbortSignal): Promise<ExecutionEvent | undefined>;
  /**
   * Resolves with the first step of the execution that `match` accepts (webhook respond mode), or
   * undefined after `timeoutMs` or an abort. Needs no step listener, so it costs other processes nothing.
   */
  waitForStep(executionId: string, match: (step: Step) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<Step | undefined>;
  /** Executions someone here waits on (result mode), so events from other processes can be re-read for them. */
  waitingFor(): Iterable<string>;
  /** Whether someone here waits on this execution, its end or a step (one lookup, for every event from elsewhere). */
  isWaiting(executionId: string): boolean;
};

const FINAL = new Set<ExecutionStatus>(['success', 'error', 'canceled']);

export function createEngineEvents(): EngineEvents {
  const ee = new EventEmitter();
  ee.setMaxListeners(0);
  const waiters = new Map<string, Set<(e: ExecutionEvent) => void>>();
  const stepWaiters = new Map<string, Set<(s: Step) => void>>();
  return {
    onExecution(fn) {
      ee.on('execution', fn);
      return () => ee.off('execution', fn);
    },
    onStep(fn) {
      ee.on('step', fn);
      return () => ee.off('step', fn);
    },
    emitExecution(e) {
      if (FINAL.has(e.status)) {
        const set = waiters.get(e.executionId);
        if (set) {
          waiters.delete(e.executionId);
          for (const w of set) w(e);
        }
      }
      if (ee.listenerCount('execution')) ee.emit('execution', e);
    },
    emitStep(e) {
      const set = stepWaiters.get(e.executionId);
      if (set) for (const w of [...set]) w(e.step);
      if (ee.listenerCount('step')) ee.emit('step', e);
    },
    hasStepListeners: () => ee.listenerCount('step') > 0,
    waitingFor: () => waiters.keys(),
    isWaiting: (executionId) => waiters.has(executionId) || stepWaiters.has(executionId),
    waitForFinal: (executionId, timeoutMs, signal) => waitIn(waiters, executionId, timeoutMs, signal, (e: ExecutionEvent) => e),
    waitForStep: (executionId, match, timeoutMs, signal) => waitIn(stepWaiters, executionId, timeoutMs, signal, (s: Step) => (match(s) ? s : undefined)),
  };
}

/** One waiter in `map` under `key`: settles with the first value `accept` keeps, or undefined on timeout or abort. */
function waitIn<T, R>(map: Map<string, Set<(v: T) => void>>, key: string, timeoutMs: number, signal: AbortSignal | undefined, accept: (v: T) => R | undefined): Promise<R | undefined> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(undefined);
    const set = map.get(key) ?? new Set();
    map.set(key, set);
    const end = (r: R | undefined) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      set.delete(offer);
      if (set.size === 0 && map.get(key) === set) map.delete(key);
      resolve(r);
    };
    const offer = (v: T) => {
      const r = accept(v);
      if (r !== undefined) end(r);
    };
    const onAbort = () => end(undefined);
    const timer = setTimeout(onAbort, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    set.add(offer);
  });
}

export const isFinalStatus = (s: string): boolean => FINAL.has(s as ExecutionStatus);
