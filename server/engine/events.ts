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
  waitForFinal(executionId: string, timeoutMs: number): Promise<ExecutionEvent | undefined>;
  /** Executions someone here waits on (result mode), so events from other processes can be re-read for them. */
  waitingFor(): Iterable<string>;
  /** Whether someone here waits on this execution (one lookup, for every event from elsewhere). */
  isWaiting(executionId: string): boolean;
};

const FINAL = new Set<ExecutionStatus>(['success', 'error', 'canceled']);

export function createEngineEvents(): EngineEvents {
  const ee = new EventEmitter();
  ee.setMaxListeners(0);
  const waiters = new Map<string, Set<(e: ExecutionEvent) => void>>();
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
      if (ee.listenerCount('step')) ee.emit('step', e);
    },
    hasStepListeners: () => ee.listenerCount('step') > 0,
    waitingFor: () => waiters.keys(),
    isWaiting: (executionId) => waiters.has(executionId),
    waitForFinal(executionId, timeoutMs) {
      return new Promise((resolve) => {
        const set = waiters.get(executionId) ?? new Set();
        waiters.set(executionId, set);
        const done = (e: ExecutionEvent | undefined) => {
          clearTimeout(timer);
          set.delete(done);
          if (set.size === 0 && waiters.get(executionId) === set) waiters.delete(executionId);
          resolve(e);
        };
        const timer = setTimeout(() => done(undefined), timeoutMs);
        set.add(done);
      });
    },
  };
}

export const isFinalStatus = (s: string): boolean => FINAL.has(s as ExecutionStatus);
