/**
 * The composition root: wires the database, engine, services and HTTP server from a Config.
 * main.ts calls this with the real environment; tests call it with a temp DATA_DIR and fakes.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Router } from 'express';
import type { CredentialsPort, HttpPort, MailPort } from '#shared/nodes/define.ts';
import { NodeFailure } from '#shared/errors.ts';
import { createHttpClient } from './adapters/http-client.ts';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import { openDatabase, type Db } from './db/connection.ts';
import { createGroupCommit, type GroupCommit } from './db/group-commit.ts';
import { createAuthRepo } from './db/repos/auth.repo.ts';
import { createExecutionQueryRepo } from './db/repos/execution-query.repo.ts';
import { createExecutionStore } from './db/repos/execution.store.ts';
import { createHookRepo } from './db/repos/hook.repo.ts';
import { createWorkflowRepo } from './db/repos/workflow.repo.ts';
import { createActivator, type TriggerKind } from './engine/activator.ts';
import { createEngineEvents } from './engine/events.ts';
import { createExecutor } from './engine/executor.ts';
import { createExpressionEngine } from './engine/expressions.ts';
import { createQueue, type Queue } from './engine/queue.ts';
import { createSnapshotCache } from './engine/snapshots.ts';
import { createPruner } from './engine/pruner.ts';
import { createHooksHandler } from './http/hooks.handler.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { createAuthService } from './services/auth.service.ts';
import { createExecutionService, toSummary } from './services/execution.service.ts';
import type { Services } from './services/index.ts';
import { createRunService } from './services/run.service.ts';
import { createWebhookService, type HookAuthenticator } from './services/webhook.service.ts';
import { createWorkflowService } from './services/workflow.service.ts';

export const VERSION = '0.1.0';

export type Overrides = {
  clock?: Clock;
  logger?: Logger;
  http?: HttpPort;
  mail?: MailPort;
  credentials?: CredentialsPort;
  /** Extra trigger kinds (schedule, poll) keyed by activation kind. */
  triggerKinds?: Partial<Record<string, TriggerKind>>;
  hookAuthenticator?: HookAuthenticator;
  extraRoutes?: { path: string; router: Router }[];
  smtpConfigured?: () => boolean;
};

export type Switchyard = {
  config: Config;
  db: Db;
  commit: GroupCommit;
  queue: Queue;
  services: Services;
  server: Server;
  logger: Logger;
  /** Runs retention now (it also runs every PRUNE_INTERVAL_SECONDS). */
  pruneNow(): Promise<{ deleted: number; freedPages: number }>;
  /** Listens on config.PORT/HOST; resolves with the bound port. */
  listen(): Promise<number>;
  stop(): Promise<void>;
};

const notConfigured = (what: string) => () => Promise.reject(new NodeFailure(`${what} are not available in this build`, { code: 'NOT_CONFIGURED' }));

export async function createSwitchyard(config: Config, o: Overrides = {}): Promise<Switchyard> {
  const clock = o.clock ?? systemClock;
  const logger = o.logger ?? createLogger(config.LOG_LEVEL);
  mkdirSync(config.DATA_DIR, { recursive: true });
  const db = openDatabase(join(config.DATA_DIR, 'switchyard.db'));
  const commit = createGroupCommit(db.sqlite);
  const store = createExecutionStore(db.sqlite);
  const workflowRepo = createWorkflowRepo(db.kysely);
  const query = createExecutionQueryRepo(db.kysely, toSummary);
  const hookRepo = createHookRepo(db.kysely);
  const events = createEngineEvents();
  const snapshots = createSnapshotCache((id, v) => workflowRepo.getVersion(id, v));
  const expressions = createExpressionEngine();
  const httpClient = o.http ?? createHttpClient({ blockPrivate: config.OUTBOUND_BLOCK_PRIVATE });

  const executor = createExecutor({
    store,
    commit,
    snapshots,
    expressions,
    events,
    clock,
    logger: logger.child({ component: 'engine' }),
    ports: {
      http: httpClient,
      mail: o.mail ?? { send: notConfigured('email sending') },
      credentials: o.credentials ?? { headersFor: notConfigured('credentials') },
    },
  });
  const queue = createQueue({ executor, store, clock, logger, concurrency: config.EXECUTION_CONCURRENCY });
  const activator = createActivator({ webhook: { arm: async () => {}, disarm: async () => {} }, ...o.triggerKinds }, logger);

  const executions = createExecutionService({ store, query, commit, queue, events, snapshots, clock });
  let webhooks: ReturnType<typeof createWebhookService> | undefined;
  const workflows = createWorkflowService({
    db: db.kysely,
    activator,
    executions: query,
    clock,
    publicUrl: () => config.publicUrl,
    onChanged: (id) => webhooks?.invalidate(id),
  });
  webhooks = createWebhookService({
    repo: hookRepo,
    executions,
    events,
    clock,
    publicUrl: () => config.publicUrl,
    ...(o.hookAuthenticator ? { authenticate: o.hookAuthenticator } : {}),
  });
  const auth = createAuthService({ repo: createAuthRepo(db.kysely), clock, sessionTtlMs: config.SESSION_TTL_HOURS * 3600_000 });
  const runs = createRunService({ workflows, executions, hooks: hookRepo });
  const services: Services = { auth, workflows, executions, runs, webhooks, events };

  const app = createApp({
    services,
    logger,
    publicUrl: () => config.publicUrl,
    maxApiBodyBytes: config.API_MAX_BODY_BYTES,
    version: VERSION,
    smtpConfigured: o.smtpConfigured ?? (() => Boolean(config.SMTP_URL)),
    ...(o.extraRoutes ? { extraRoutes: o.extraRoutes } : {}),
  });
  const hooks = createHooksHandler(webhooks, { maxBodyBytes: config.WEBHOOK_MAX_BODY_BYTES, logger });
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    if (req.url?.startsWith('/hooks/')) void hooks(req, res);
    else app(req, res);
  });

  const pruner = createPruner({
    query,
    sqlite: db.sqlite,
    clock,
    logger,
    maxAgeMs: config.EXECUTIONS_MAX_AGE_DAYS * 86_400_000,
    maxPerWorkflow: config.EXECUTIONS_MAX_PER_WORKFLOW,
    intervalMs: config.PRUNE_INTERVAL_SECONDS * 1000,
  });

  // Boot: resume what a crash left unfinished, re-arm every active trigger.
  queue.resumeAll();
  await activator.restoreAll(await workflows.listActive());
  pruner.start();

  let stopped = false;
  return {
    config,
    db,
    commit,
    queue,
    services,
    server,
    logger,
    pruneNow: () => pruner.pruneNow(),
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, () => {
          const addr = server.address();
          const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
          // With PORT=0 and no PUBLIC_URL, webhook URLs must name the port actually bound.
          if (!config.PUBLIC_URL) config.publicUrl = `http://localhost:${port}`;
          resolve(port);
        });
      }),
    async stop() {
      if (stopped) return;
      stopped = true;
      pruner.stop();
      await activator.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await queue.stop();
      commit.flush();
      if ('close' in httpClient && typeof httpClient.close === 'function') await httpClient.close();
      await db.close();
    },
  };
}
