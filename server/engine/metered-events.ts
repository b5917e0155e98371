/**
 * Counts executions as this process emits them: `queued` is an execution accepted here, a final
 * status one finished here. A wrapper around emitExecution rather than a listener, so events the
 * bridge relays from other processes are not counted twice, and no EventEmitter dispatch is added.
 */
import type { EngineEvents } from './events.ts';
import { isFinalStatus } from './events.ts';

export type ExecutionMeter = { executionStarted(workflowId: string): void; executionFinished(workflowId: string, status: string): void };

export function meteredEvents<E extends EngineEvents>(events: E, meter: ExecutionMeter): E {
  return {
    ...events,
    emitExecution(e) {
      if (e.status === 'queued') meter.executionStarted(e.workflowId);
      else if (isFinalStatus(e.status)) meter.executionFinished(e.workflowId, e.status);
      events.emitExecution(e);
    },
  };
}
