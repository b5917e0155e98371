/**
 * Builds the `schedule` and `poll` trigger kinds (and the poll runner the test-poll route uses)
 * from the composition root's parts, so server/switchyard.ts wires them in with two lines.
 *
 * Several processes may share one PostgreSQL database; only one of them runs the timers (the
 * leader, chosen by the caller, e.g. with an advisory lock). `lead`/`follow` move that role. Every
 * process still arms (writes trigger state, so nextRunAt shows at once) and answers `info`. What
 * fires is decided in the database either way, so two leaders at once never start a slot or an
 * item twice: leadership saves work, it does not carry correctness.
 */
import type { Kysely } from 'kysely';
import type { CredentialsPort, HttpPort } from '#shared/nodes/define.ts';
import type { Dialect, ExecutionStore } from '../db/store.ts';
import type { Schema } from '../db/schema.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { StartFn, StartPassFn } from './start.ts';
import type { ExpressionEngine } from './expressions.ts';
import { createPollRunner } from './poll-run.ts';
import { createPoller } from './poller.ts';
import { createScheduler } from './scheduler.ts';

/** Who runs a trigger kind's timers. Both default to leading, so one process (SQLite) just works. */
export type Leadership = {
  /** Run the timers from now on: arm every given workflow whose trigger is of this kind (others are ignored). */
  lead(active: WorkflowRecord[]): Promise<void>;
  /** Stop running timers: drop every in-memory entry and timer; persisted state is left as it is. */
  follow(): Promise<void>;
};

export type TriggerDeps = {
  db: Kysely<Schema>;
  /** The store's dialect: the trigger-state compare-and-set is written per dialect (default sqlite). */
  dialect?: Dialect;
  store: Pick<ExecutionStore, 'hasUnfinished'>;
  clock: Clock;
  logger: Logger;
  http: HttpPort;
  credentials: CredentialsPort;
  expressions: Pick<ExpressionEngine, 'evaluate' | 'check'>;
  /** execution.service `start`, bound late: the service is built after the activator. */
  start: StartFn;
  /** execution.service `startPass` (a schedule pass in one transaction), bound late likewise. */
  startPass: StartPassFn;
  /** Whether this process starts as the leader (default true). */
  leading?: boolean;
  /** Metrics: schedule slots started (with their lag) and failed poll runs. */
  observer?: { scheduleFired(lagMs: number): void; pollFailed(workflowId: string): void };
  /** Workspace variables for the poll requests' templates (the cached map). */
  vars?: () => Readonly<Record<string, string>>;
};

export function createTriggerKinds(deps: TriggerDeps) {
  const runner = createPollRunner({ http: deps.http, credentials: deps.credentials, expressions: deps.expressions, clock: deps.clock, logger: deps.logger, ...(deps.vars ? { vars: deps.vars } : {}) });
  const leading = deps.leading ?? true;
  const dialect = deps.dialect ?? 'sqlite';
  const schedule = createScheduler({
    db: deps.db,
    dialect,
    clock: deps.clock,
    logger: deps.logger,
    startPass: (swaps, reqs) => deps.startPass(swaps, reqs),
    hasUnfinished: (id) => deps.store.hasUnfinished(id),
    leading,
    ...(deps.observer ? { onFired: deps.observer.scheduleFired } : {}),
  });
  const poll = createPoller({
    db: deps.db,
    dialect,
    clock: deps.clock,
    logger: deps.logger,
    runner,
    start: (req) => deps.start(req),
    check: (e) => deps.expressions.check(e),
    leading,
    ...(deps.observer ? { onFailure: deps.observer.pollFailed } : {}),
  });
  return {
    kinds: { schedule, poll },
    runner,
    async lead(active: WorkflowRecord[]): Promise<void> {
      await schedule.lead(active);
      await poll.lead(active);
    },
    async follow(): Promise<void> {
      await Promise.all([schedule.follow(), poll.follow()]);
    },
  };
}
export type TriggerKinds = ReturnType<typeof createTriggerKinds>;
