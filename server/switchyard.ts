/**
 * The composition root: wires the database, engine, services and HTTP server from a Config.
 * main.ts calls this with the real environment; tests call it with a temp DATA_DIR and fakes.
 */
import type { RequestListener, Server } from 'node:http';
import { hostname } from 'node:os';
import type { Router } from 'express';
import type { CredentialsPort, HttpPort, MailPort } from '#shared/nodes/define.ts';
import { createHttpClient } from './adapters/http-client.ts';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import { openStore } from './db/index.ts';
import { createAuditRepo } from './db/repos/audit.repo.ts';
import { createAuthRepo } from './db/repos/auth.repo.ts';
import { createExecutionQueryRepo } from './db/repos/execution-query.repo.ts';
import { createHookRepo } from './db/repos/hook.repo.ts';
import { CHANNELS, type Store } from './db/store.ts';
import { createCluster, type Cluster } from './cluster.ts';
import { createClaimQueue, createRemoteQueue } from './engine/claim-queue.ts';
import { bridgeEvents } from './engine/events-bridge.ts';
import { newToken } from './lib/ids.ts';
import { bootingHandler, createHealth, healthHandler } from './http/health.ts';
import { createWorkflowRepo } from './db/repos/workflow.repo.ts';
import { createActivator, type TriggerKind } from './engine/activator.ts';
import { createEngineEvents } from './engine/events.ts';
import { createExecutor } from './engine/executor.ts';
import { createExpressionEngine } from './engine/expressions.ts';
import { createQueue, type Queue } from './engine/queue.ts';
import { createSnapshotCache } from './engine/snapshots.ts';
import { createPruner, type PruneResult } from './engine/pruner.ts';
import { createTriggerKinds } from './engine/triggers.ts';
import { createHooksHandler } from './http/hooks.handler.ts';
import { createProcessServer } from './http/process-server.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import { createLogger, prettyDestination, type Logger } from './lib/logger.ts';
import { createAuditService } from './services/audit.service.ts';
import { createMetrics, type Metrics } from './lib/metrics.ts';
import { meteredHttp, meteredMail } from './lib/metered-ports.ts';
import { createMetricsHandler, isMetricsPath } from './http/metrics.handler.ts';
import { createQueueBacklogRepo } from './db/repos/queue-backlog.repo.ts';
import { meteredEvents } from './engine/metered-events.ts';
import { createAuthService } from './services/auth.service.ts';
import { createExecutionService, toSummary } from './services/execution.service.ts';
import type { Services } from './services/index.ts';
import { createRunService } from './services/run.service.ts';
import { createCallPort } from './services/call.service.ts';
import { createErrorDispatcher } from './services/error-dispatch.ts';
import { createBulkService } from './services/bulk.service.ts';
import { createBulkJobRepo } from './db/repos/bulk-job.repo.ts';
import { createWebhookService, type HookAuthenticator } from './services/webhook.service.ts';
import { webhookRequestRoutes } from './http/routes/webhook-requests.routes.ts';
import { pollTestRoutes } from './http/routes/poll-test.routes.ts';
import { adminRoutes } from './http/routes/admin.routes.ts';
import { scrubbingEvents, scrubbingStore } from './engine/scrubbing.ts';
import { createWebhookAuthenticator, type SecretSource } from './services/webhook-auth.ts';
import { createWebhookInspector } from './services/webhook-inspector.ts';
import { createWorkflowService } from './services/workflow.service.ts';
import { createRequirements } from './services/workflow-requirements.ts';
import { createSecretScrubber, scrubbingLogger } from './lib/secret-scrubber.ts';
import { createVault } from './vault.ts';
import { createAlerting } from './alerting.ts';

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
  /** Where webhook auth reads its secrets (the credentials vault by default). */
  secrets?: SecretSource;
  extraRoutes?: { path: string; router: Router }[];
  smtpConfigured?: () => boolean;
  /**
   * Listen on PORT/HOST before opening and migrating the database (main.ts does), so readiness
   * answers 503 `database: "migrating"` meanwhile instead of the port refusing connections.
   */
  listenWhileBooting?: boolean;
};

export type Switchyard = {
  config: Config;
  store: Store;
  queue: Queue;
  metrics: Metrics;
  services: Services;
  server: Server;
  logger: Logger;
  /** Runs retention now (it also runs every PRUNE_INTERVAL_SECONDS). */
  pruneNow(): Promise<PruneResult>;
  /** Listens on config.PORT/HOST; resolves with the bound port. */
  listen(): Promise<number>;
  stop(): Promise<void>;
};

export async function createSwitchyard(config: Config, o: Overrides = {}): Promise<Switchyard> {
  const clock = o.clock ?? systemClock;
  // Known secret values are scrubbed from logs, step records and step events (lib/secret-scrubber.ts).
  const secrets = createSecretScrubber();
  if (config.METRICS_TOKEN) secrets.add([config.METRICS_TOKEN]);
  const logger = scrubbingLogger(o.logger ?? createLogger(config.LOG_LEVEL, config.LOG_FORMAT === 'pretty' ? prettyDestination() : undefined), secrets);
  const metrics = createMetrics({ maxWorkflows: config.METRICS_MAX_WORKFLOWS, now: () => clock.now() });
  const health = createHealth();
  // One server for the whole life of the process: it answers health (and 503 for the rest) while
  // booting, and is handed the real handler once everything is wired.
  const front = createProcessServer(config, bootingHandler(health));
  const { server, listen, close: closeServer } = front;
  if (o.listenWhileBooting) await listen();
  const store = await openStore({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    logger,
    applicationName: `switchyard-${config.SWITCHYARD_ROLE}`,
    poolSize: config.DATABASE_POOL_SIZE,
    commitObserver: metrics.groupCommit,
    searchIndex: config.EXECUTION_SEARCH_INDEX === 'on',
  }).catch(async (err: unknown) => {
    await closeServer();
    throw err;
  });
  const db = store.kysely;
  health.opened(() => store.ping());
  let queueListener: { close(): Promise<void> } | undefined;
  const workflowRepo = createWorkflowRepo(db);
  const auditRepo = createAuditRepo(db);
  const audit = createAuditService({ repo: auditRepo, clock, logger });
  // First, so a wrong ENCRYPTION_KEY refuses the start before anything runs.
  const vault = await createVault({ config, db, activeWorkflows: () => workflowRepo.listActive(), clock, logger, secrets, audit }).catch(async (err: unknown) => {
    await closeServer();
    await store.close();
    throw err;
  });
  const query = createExecutionQueryRepo(db, toSummary, store.dialect, store.search);
  const hookRepo = createHookRepo(db);
  const role = config.SWITCHYARD_ROLE;
  const notifications = store.notifications;
  /** This process in lease_owner and event origins: unique per start, readable in pg_stat_activity. */
  const owner = `${hostname()}:${process.pid}:${newToken(4)}`;
  const localEvents = createEngineEvents();
  // Across processes, events travel by NOTIFY and are re-read here (finalOf is bound late).
  const bridge = notifications
    ? bridgeEvents(localEvents, { notifications, store: store.executions, origin: owner, logger, finalOf: (id) => executions.final(id) })
    : undefined;
  // Metrics count what this process emits (not what the bridge relays from others): a wrapper, no listener.
  const events = meteredEvents(bridge ?? localEvents, metrics);
  const snapshots = createSnapshotCache((id, v) => workflowRepo.getVersion(id, v));
  const expressions = createExpressionEngine();
  const httpClient = o.http ?? createHttpClient({ blockPrivate: config.OUTBOUND_BLOCK_PRIVATE });
  const http = meteredHttp(httpClient, metrics);
  // One mail port for the nodes and the alerts: the same server (or outbox), counted alike.
  const mail = meteredMail(o.mail ?? vault.ports.mail, metrics);

  const executor = createExecutor({
    store: scrubbingStore(store.executions, secrets),
    snapshots,
    expressions,
    events: scrubbingEvents(events, secrets),
    clock,
    logger: logger.child({ component: 'engine' }),
    ports: { http, mail, credentials: o.credentials ?? vault.ports.credentials },
    // flow.call starts children through the execution service, built below (bound late).
    calls: {
      start: (req) => calls.start(req),
      result: (id) => calls.result(id),
      finished: (id) => calls.finished(id),
    },
    observeStep: metrics.step,
    vars: vault.variables.values,
  });
  const claimQueue =
    store.claims && role !== 'web'
      ? createClaimQueue({ executor, claims: store.claims, clock, logger, owner, concurrency: config.EXECUTION_CONCURRENCY, leaseMs: config.EXECUTION_LEASE_SECONDS * 1000 })
      : undefined;
  const queue = store.claims
    ? (claimQueue ?? createRemoteQueue())
    : createQueue({ executor, store: store.executions, clock, logger, concurrency: config.EXECUTION_CONCURRENCY });
  const webhookKind: TriggerKind = { arm: async () => {}, disarm: async () => {}, info: (wf, node) => webhooks?.triggerInfo(wf.id, node.id) ?? {} };
  // Schedules and polls start executions through the execution service built just below.
  const triggers = createTriggerKinds({
    db,
    store: store.executions,
    clock,
    logger,
    http,
    credentials: o.credentials ?? vault.ports.credentials,
    expressions,
    start: (req) => executions.start(req),
    startPass: (swaps, reqs) => executions.startPass(swaps, reqs),
    dialect: store.dialect,
    // With several processes, timers run only in the one holding the trigger lock (cluster.ts).
    leading: !notifications,
    observer: metrics,
    vars: vault.variables.values,
  });
  const activator = createActivator({ webhook: webhookKind, ...triggers.kinds, ...o.triggerKinds }, logger);

  const executions = createExecutionService({
    store: store.executions,
    query,
    queue,
    events,
    snapshots,
    currentVersion: async (id) => (await workflowRepo.get(id))?.version,
    clock,
    scrub: (t) => secrets.scrubText(t),
    evaluate: expressions.evaluate,
  });
  const calls = createCallPort({ workflow: (id) => workflowRepo.get(id), executions, store: store.executions, queue, clock, logger });
  let webhooks: ReturnType<typeof createWebhookService> | undefined;
  // Webhook auth reads secrets from the vault (cached briefly), and forgets them when a credential changes.
  const hookAuth = createWebhookAuthenticator({ secrets: o.secrets ?? vault.credentials, clock });
  vault.credentials.onChange((id) => {
    hookAuth.forget(id);
    cluster?.announceCredential(id);
  });
  vault.variables.onChange((name) => cluster?.announceVariable(name));
  const workflows = createWorkflowService({
    db,
    activator,
    executions: query,
    clock,
    publicUrl: () => config.publicUrl,
    ...(config.WORKFLOW_VERSIONS_MAX ? { maxVersions: config.WORKFLOW_VERSIONS_MAX } : {}),
    requirements: createRequirements({
      credentials: async () => (await vault.credentials.list()).items,
      variables: async () => (await vault.variables.list()).items,
    }),
    onChanged: (id) => {
      webhooks?.invalidate(id);
      cluster?.announceWorkflow(id);
    },
  });
  const alerting = createAlerting({ db, store: store.executions, workflowRepo, workflows, mail, events, clock, logger, owner, publicUrl: () => config.publicUrl });
  webhooks = createWebhookService({
    repo: hookRepo,
    executions,
    events,
    clock,
    publicUrl: () => config.publicUrl,
    authenticate: o.hookAuthenticator ?? hookAuth.authenticate,
    inspector: createWebhookInspector({ store: store.inspector, clock, logger }),
  });
  const auth = createAuthService({
    repo: createAuthRepo(db),
    clock,
    sessionTtlMs: config.SESSION_TTL_HOURS * 3600_000,
    sessionMaxAgeMs: config.SESSION_MAX_AGE_HOURS * 3600_000,
  });
  const runs = createRunService({ workflows, executions, hooks: hookRepo });
  const bulk = createBulkService({ repo: createBulkJobRepo(db), executions, clock, logger });
  const services: Services = { auth, audit, workflows, executions, bulk, runs, webhooks, events };

  const app = createApp({
    services,
    logger,
    publicUrl: () => config.publicUrl,
    maxApiBodyBytes: config.API_MAX_BODY_BYTES,
    version: VERSION,
    smtpConfigured: o.smtpConfigured ?? (() => Boolean(config.SMTP_URL)),
    health,
    ...(config.TRUST_PROXY ? { trustProxy: config.TRUST_PROXY } : {}),
    extraRoutes: [
      ...vault.routes,
      ...alerting.routes,
      ...(o.extraRoutes ?? []),
      { path: '/workflows', router: webhookRequestRoutes({ workflows, webhooks, audit }) },
      { path: '/workflows', router: pollTestRoutes({ workflows, runner: triggers.runner, scrub: (v) => secrets.scrub(v) }) },
      { path: '/admin', router: adminRoutes({ dataDir: config.DATA_DIR, dialect: store.dialect, now: () => new Date(clock.now()) }) },
    ],
  });
  const hooks = createHooksHandler(webhooks, { maxBodyBytes: config.WEBHOOK_MAX_BODY_BYTES, logger, observe: metrics.webhookAck });
  // Queue gauges, read at scrape time: this process's in-memory queue (SQLite), or the shared
  // queue in the database (PostgreSQL: every process sees the same backlog).
  const backlog = store.claims ? createQueueBacklogRepo(db) : undefined;
  metrics.setQueueSource(async () => {
    const local = queue.stats();
    if (!backlog) return { depth: local.queued, running: local.running, parked: local.parked, oldestQueuedAt: local.oldestQueuedAt };
    const shared = await backlog.read(clock.now());
    return { depth: shared.depth, running: local.running, parked: local.parked, oldestQueuedAt: shared.oldestQueuedAt };
  });
  const metricsHandler = createMetricsHandler(metrics, { token: config.METRICS_TOKEN, logger });
  // A worker serves only its health and metrics: no API, no editor, no hooks.
  const serve: RequestListener =
    role === 'worker'
      ? healthHandler(health, metricsHandler)
      : (req, res) => {
          if (req.url?.startsWith('/hooks/')) void hooks(req, res);
          else if (isMetricsPath(req.url)) void metricsHandler(req, res);
          else app(req, res);
        };

  const pruner = createPruner({
    query,
    store,
    clock,
    logger,
    maxAgeMs: config.EXECUTIONS_MAX_AGE_DAYS * 86_400_000,
    maxPerWorkflow: config.EXECUTIONS_MAX_PER_WORKFLOW,
    audit: { prune: (olderThan) => audit.prune(olderThan), maxAgeMs: config.AUDIT_MAX_AGE_DAYS * 86_400_000 },
    intervalMs: config.PRUNE_INTERVAL_SECONDS * 1000,
  });

  // Failed executions start error workflows (trigger.error) from any process that runs executions;
  // two draining at once start nothing twice (each start is idempotent per failed execution).
  const errorDispatch =
    role === 'web'
      ? undefined
      : createErrorDispatcher({
          db,
          store: store.executions,
          workflow: (id) => workflowRepo.get(id),
          listActive: () => workflowRepo.listActive(),
          start: (req) => executions.start(req),
          events,
          clock,
          logger,
          publicUrl: () => config.publicUrl,
          alerts: alerting.service,
        });

  const cluster: Cluster | undefined = notifications
    ? createCluster({
        notifications,
        logger,
        canLead: role !== 'web',
        getWorkflow: (id) => workflowRepo.get(id),
        listActive: () => workflows.listActive(),
        activator,
        triggers,
        pruner,
        forgetWorkflow: (id) => webhooks?.invalidate(id),
        forgetCredential: (id) => {
          hookAuth.forget(id);
          vault.forget(id);
        },
        refreshVariables: () => void vault.variables.refresh().catch((err: unknown) => logger.error('variables re-read failed', { err: String(err) })),
      })
    : undefined;

  // Boot: resume what a crash left unfinished, re-arm every active trigger. With several
  // processes, the queue claims what is runnable, and the trigger leader arms the triggers.
  if (cluster) {
    await bridge!.start();
    if (claimQueue) await notifications!.listen([CHANNELS.queue], () => claimQueue.wake(), () => claimQueue.wake()).then((l) => (queueListener = l));
    await cluster.start();
    await queue.resumeAll();
  } else {
    await queue.resumeAll();
    await activator.restoreAll(await workflows.listActive());
    pruner.start();
  }
  // Handed over only now, as when the server listened only after boot: requests reach the API and
  // /hooks once unfinished executions are resumed and triggers armed; until then, the booting answers.
  front.handle(serve);
  if (errorDispatch) [errorDispatch, alerting.service].forEach((s) => s.start());
  if (role !== 'web') await bulk.resumeAll();
  health.ready();

  let stopped = false;
  return {
    config,
    store,
    queue,
    metrics,
    services,
    server,
    logger,
    pruneNow: () => pruner.pruneNow(),
    listen,
    async stop() {
      if (stopped) return;
      stopped = true;
      health.stopping();
      await cluster?.stop();
      pruner.stop();
      await errorDispatch?.stop();
      await alerting.service.stop();
      await activator.stop();
      await closeServer();
      await queue.stop();
      await queueListener?.close();
      await bridge?.stop();
      // The inspector's buffered lines go in before the store closes (it commits whatever is queued).
      const flushed = webhooks?.flushLog();
      await store.sync();
      await expressions.close();
      if ('close' in httpClient && typeof httpClient.close === 'function') await httpClient.close();
      await vault.close();
      await flushed?.catch(() => undefined);
      await store.close();
    },
  };
}
