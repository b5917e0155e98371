/** The service bundle routes depend on. */
import type { BulkService } from './bulk.service.ts';
import type { EngineEvents } from '../engine/events.ts';
import type { AuditService } from './audit.service.ts';
import type { AuthService } from './auth.service.ts';
import type { ExecutionService } from './execution.service.ts';
import type { RunService } from './run.service.ts';
import type { WebhookService } from './webhook.service.ts';
import type { WorkflowService } from './workflow.service.ts';

export type Services = {
  auth: AuthService;
  audit: AuditService;
  workflows: WorkflowService;
  executions: ExecutionService;
  bulk: BulkService;
  runs: RunService;
  webhooks: WebhookService;
  events: EngineEvents;
};
