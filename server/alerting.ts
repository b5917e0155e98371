/**
 * Wires e-mail alerts into Switchyard: the alert service over its repo, the mail port and the
 * workflow versions, and its API route. switchyard.ts calls it once; processes that run
 * executions start it (the failure drain feeds it), a `web` process only serves the listing.
 */
import type { Kysely } from 'kysely';
import type { MailPort } from '#shared/nodes/define.ts';
import { createAlertRepo } from './db/repos/alert.repo.ts';
import type { WorkflowRecord, VersionRecord } from './db/repos/workflow.repo.ts';
import type { Schema } from './db/schema.ts';
import type { ExecutionStore } from './db/store.ts';
import type { EngineEvents } from './engine/events.ts';
import { alertRoutes } from './http/routes/alerts.routes.ts';
import type { Clock } from './lib/clock.ts';
import type { Logger } from './lib/logger.ts';
import { createAlertService } from './services/alerts/alert.service.ts';
import type { WorkflowService } from './services/workflow.service.ts';

export function createAlerting(deps: {
  db: Kysely<Schema>;
  store: Pick<ExecutionStore, 'getExecution'>;
  workflowRepo: { get(id: string): Promise<WorkflowRecord | undefined>; getVersion(id: string, version: number): Promise<VersionRecord | undefined> };
  workflows: Pick<WorkflowService, 'record'>;
  mail: MailPort;
  events: EngineEvents;
  clock: Clock;
  logger: Logger;
  owner: string;
  publicUrl(): string;
}) {
  const service = createAlertService({
    repo: createAlertRepo(deps.db),
    store: deps.store,
    workflowName: async (id) => (await deps.workflowRepo.get(id))?.name,
    settingsOf: async (id, version) => (await deps.workflowRepo.getVersion(id, version))?.settings,
    mail: deps.mail,
    events: deps.events,
    clock: deps.clock,
    logger: deps.logger,
    owner: deps.owner,
    publicUrl: deps.publicUrl,
  });
  return { service, routes: [{ path: '/workflows', router: alertRoutes({ workflows: deps.workflows, alerts: service }) }] };
}
