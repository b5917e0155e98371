/**
 * Builds the `schedule` and `poll` trigger kinds (and the poll runner the test-poll route uses)
 * from the composition root's parts, so server/switchyard.ts wires them in with two lines.
 */
import type { Kysely } from 'kysely';
import type { CredentialsPort, HttpPort } from '#shared/nodes/define.ts';
import type { ExecutionStore } from '../db/store.ts';
import type { Schema } from '../db/schema.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { StartRequest } from './start.ts';
import type { ExpressionEngine } from './expressions.ts';
import { createPollRunner } from './poll-run.ts';
import { createPoller } from './poller.ts';
import { createScheduler } from './scheduler.ts';

export type TriggerDeps = {
  db: Kysely<Schema>;
  store: Pick<ExecutionStore, 'hasUnfinished'>;
  clock: Clock;
  logger: Logger;
  http: HttpPort;
  credentials: CredentialsPort;
  expressions: Pick<ExpressionEngine, 'evaluate' | 'check'>;
  /** execution.service `start`, bound late: the service is built after the activator. */
  start(req: StartRequest): Promise<{ executionId: string; duplicate: boolean }>;
};

export function createTriggerKinds(deps: TriggerDeps) {
  const runner = createPollRunner({ http: deps.http, credentials: deps.credentials, expressions: deps.expressions, clock: deps.clock, logger: deps.logger });
  const schedule = createScheduler({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    start: (req) => deps.start(req),
    hasUnfinished: (id) => deps.store.hasUnfinished(id),
  });
  const poll = createPoller({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    runner,
    start: (req) => deps.start(req),
    check: (e) => deps.expressions.check(e),
  });
  return {
    kinds: { schedule, poll },
    runner,
  };
}
