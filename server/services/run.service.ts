/** Manual runs ("Run" in the editor, POST /api/workflows/:id/run) of the saved version. */
import { AppError } from '#shared/errors.ts';
import { findTrigger } from '#shared/nodes/registry.ts';
import type { HookRepo } from '../db/repos/hook.repo.ts';
import type { ExecutionService } from './execution.service.ts';
import type { WorkflowService } from './workflow.service.ts';

export function createRunService(deps: { workflows: WorkflowService; executions: ExecutionService; hooks: HookRepo }) {
  return {
    /** The payload becomes the trigger's output; without one, the trigger's sample (or captured test event) is used. */
    async runManually(workflowId: string, payload: unknown): Promise<string> {
      const wf = await deps.workflows.record(workflowId);
      const trigger = findTrigger(wf.nodes);
      if (!trigger) throw new AppError('CONFLICT', 'the workflow has no trigger node to start from', { details: [{ path: 'nodes', message: 'add a trigger' }] });
      let event = payload;
      if (event === undefined) {
        if (trigger.type === 'trigger.manual') event = trigger.config.samplePayload ?? {};
        else {
          const sample = await deps.hooks.sample(wf.id, trigger.id);
          event = sample?.sample ? JSON.parse(sample.sample) : {};
        }
      }
      const { executionId } = await deps.executions.start({
        workflowId: wf.id,
        workflowVersion: wf.version,
        triggerNodeId: trigger.id,
        mode: 'manual',
        event,
      });
      return executionId;
    },
  };
}
export type RunService = ReturnType<typeof createRunService>;
