/**
 * flow.call's port (engine/kinds/call.ts): starts a child execution of another workflow, reads
 * how it ended, and wakes the parent when it does. The child must be active and start with a
 * manual trigger; it runs its active version with the payload as its trigger output.
 */
import { NodeFailure } from '#shared/errors.ts';
import { findTrigger } from '#shared/nodes/registry.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import type { ExecutionStore } from '../db/store.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { CallPort } from '../engine/kinds/call.ts';
import type { Queue } from '../engine/queue.ts';
import type { ExecutionService } from './execution.service.ts';

export function createCallPort(deps: {
  workflow(id: string): Promise<WorkflowRecord | undefined>;
  executions: Pick<ExecutionService, 'start' | 'final'>;
  store: Pick<ExecutionStore, 'wake'>;
  queue: Pick<Queue, 'wakeExecution'>;
  clock: Clock;
  logger: Logger;
}): CallPort {
  return {
    async start({ workflowId, payload, parentExecutionId, depth, key }) {
      const wf = await deps.workflow(workflowId);
      if (!wf) throw new NodeFailure(`the workflow to call (${workflowId}) does not exist`, { code: 'CALL_WORKFLOW_NOT_FOUND' });
      if (!wf.active) throw new NodeFailure(`"${wf.name}" is not active: activate it to call it`, { code: 'CALL_WORKFLOW_INACTIVE' });
      const trigger = findTrigger(wf.nodes);
      if (trigger?.type !== 'trigger.manual') {
        throw new NodeFailure(`"${wf.name}" does not start with a manual trigger, so it cannot be called`, { code: 'CALL_WORKFLOW_NOT_MANUAL' });
      }
      // The key makes a start repeated after a crash return the first child (no window: it is this step's forever).
      const { executionId } = await deps.executions.start({
        workflowId: wf.id,
        workflowVersion: wf.version,
        triggerNodeId: trigger.id,
        mode: 'call',
        event: payload,
        idempotency: { token: `call:${parentExecutionId}`, key, since: 0 },
        parent: { executionId: parentExecutionId, depth },
      });
      return { executionId };
    },
    result: (executionId) => deps.executions.final(executionId),
    finished(parent) {
      deps.store
        .wake(parent, deps.clock.now())
        .then(() => deps.queue.wakeExecution(parent))
        .catch((err: unknown) => deps.logger.warn('waking the calling execution failed (it checks again itself)', { executionId: parent, err: String(err) }));
    },
  };
}
