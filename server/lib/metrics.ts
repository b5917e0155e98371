/**
 * Prometheus metrics (prom-client), one registry per Switchyard instance. Everything the engine,
 * the drivers and the services report comes in through the small recorder functions below, wired
 * by the composition root, so no layer imports prom-client. Label values are bounded: workflow
 * ids (never execution ids), at most `maxWorkflows` of them and the rest as `other`; node types
 * only from the registry; status classes from a fixed list.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isNodeType } from '#shared/nodes/registry.ts';

export const METRICS_PREFIX = 'switchyard_';
/** The label value every workflow past the cap shares. */
export const OTHER_WORKFLOWS = 'other';

export type QueueSnapshot = { depth: number; running: number; parked: number; oldestQueuedAt: number | null };

export type Metrics = {
  /** A new execution was accepted (queued) here. */
  executionStarted(workflowId: string): void;
  executionFinished(workflowId: string, status: string): void;
  /** One recorded step; `skipped` steps ran nothing and are not counted. */
  step(nodeType: string, status: string, durationMs: number): void;
  /** A webhook request answered: its HTTP status and the time from arrival to the answer sent. */
  webhookAck(status: number, seconds: number): void;
  /** A schedule slot started, `lagMs` after its scheduled time. */
  scheduleFired(lagMs: number): void;
  pollFailed(workflowId: string): void;
  /** One outbound HTTP request (HTTP node, polls): its status, or undefined when it threw. */
  outboundHttp(status: number | undefined): void;
  email(outcome: 'sent' | 'failed' | 'captured'): void;
  groupCommit: { batch(size: number): void; fsync(ms: number): void };
  /** Read at scrape time only. */
  setQueueSource(read: () => QueueSnapshot | Promise<QueueSnapshot>): void;
  /** The exposition text (the Prometheus text format). */
  render(): Promise<string>;
  contentType: string;
  /** Workflow label for `id`: the id itself while under the cap, else `other`. */
  workflowLabel(id: string): string;
};

export function statusClass(status: number | undefined): '2xx' | '3xx' | '4xx' | '5xx' | 'error' {
  if (status === undefined || status < 200 || status >= 600) return 'error';
  return `${Math.floor(status / 100)}xx` as '2xx' | '3xx' | '4xx' | '5xx';
}

let processMetrics: Registry | undefined;

/**
 * Event-loop delay (a perf_hooks histogram), memory, CPU, handles: prom-client's own set, prefixed.
 * They describe the process, so one registry per process, made on first use: each collector set
 * keeps an event-loop monitor and a GC observer that prom-client offers no way to stop, so a
 * process starting several Switchyards (tests) must not pile them up.
 */
function processRegistry(): Registry {
  if (processMetrics) return processMetrics;
  processMetrics = new Registry();
  collectDefaultMetrics({ register: processMetrics, prefix: METRICS_PREFIX });
  // Gauges that prom-client names `_total`, against the naming rules (promtool check metrics says
  // so); their per-type series stay (nodejs_active_handles{type}, …), so nothing is lost.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) processMetrics.removeSingleMetric(METRICS_PREFIX + name);
  return processMetrics;
}

export function createMetrics(opts: { maxWorkflows: number; now?: () => number }): Metrics {
  const now = opts.now ?? Date.now;
  const registry = new Registry();
  const perProcess = processRegistry();

  const seen = new Set<string>();
  const workflowLabel = (id: string): string => {
    if (seen.has(id)) return id;
    if (seen.size < opts.maxWorkflows) {
      seen.add(id);
      return id;
    }
    return OTHER_WORKFLOWS;
  };

  const registers = [registry];
  const started = new Counter({ name: `${METRICS_PREFIX}executions_started_total`, help: 'Executions accepted (queued) by this process, by workflow.', labelNames: ['workflow'], registers });
  const finished = new Counter({
    name: `${METRICS_PREFIX}executions_finished_total`,
    help: 'Executions finished by this process, by workflow and final status.',
    labelNames: ['workflow', 'status'],
    registers,
  });
  const stepSeconds = new Histogram({
    name: `${METRICS_PREFIX}step_duration_seconds`,
    help: 'Duration of each executed step (retries included), by node type and step status.',
    labelNames: ['node_type', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers,
  });
  const ackSeconds = new Histogram({
    name: `${METRICS_PREFIX}webhook_ack_duration_seconds`,
    help: 'Time from a webhook request reaching the handler to its answer being sent (202 means durably queued), by status class.',
    labelNames: ['status_class'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers,
  });
  const lagSeconds = new Histogram({
    name: `${METRICS_PREFIX}schedule_lag_seconds`,
    help: 'How late a schedule slot was started after its scheduled time.',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 3600],
    registers,
  });
  const pollFailures = new Counter({ name: `${METRICS_PREFIX}poll_failures_total`, help: 'Failed poll runs, by workflow.', labelNames: ['workflow'], registers });
  const outbound = new Counter({
    name: `${METRICS_PREFIX}outbound_http_requests_total`,
    help: 'Outbound HTTP requests (HTTP node, polls) by status class; error = no response (refused, timeout, aborted).',
    labelNames: ['status_class'],
    registers,
  });
  const emails = new Counter({
    name: `${METRICS_PREFIX}emails_total`,
    help: 'Emails by outcome: sent over SMTP, failed, or captured in the outbox (no mail server configured).',
    labelNames: ['outcome'],
    registers,
  });
  const batchSize = new Histogram({
    name: `${METRICS_PREFIX}group_commit_batch_size`,
    help: 'Writes per group-commit transaction (SQLite).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
    registers,
  });
  const fsyncSeconds = new Histogram({
    name: `${METRICS_PREFIX}group_commit_fsync_seconds`,
    help: 'Duration of each WAL fdatasync of the group commit (SQLite).',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    registers,
  });

  let readQueue: (() => QueueSnapshot | Promise<QueueSnapshot>) | undefined;
  let snapshot: Promise<QueueSnapshot | undefined> | undefined;
  // The four queue gauges share one read per scrape: the first collect() starts it, the others reuse it.
  const queueRead = (): Promise<QueueSnapshot | undefined> => {
    snapshot ??= Promise.resolve(readQueue?.()).finally(() => queueMicrotask(() => (snapshot = undefined)));
    return snapshot;
  };
  const queueGauge = (name: string, help: string, pick: (s: QueueSnapshot) => number) =>
    new Gauge({
      name: `${METRICS_PREFIX}${name}`,
      help,
      registers,
      async collect() {
        const s = await queueRead();
        this.set(s ? pick(s) : 0);
      },
    });
  queueGauge('queue_depth', 'Executions queued and not yet running.', (s) => s.depth);
  queueGauge('queue_oldest_age_seconds', 'Age of the oldest queued execution (0 when none).', (s) => (s.oldestQueuedAt === null ? 0 : Math.max(0, now() - s.oldestQueuedAt) / 1000));
  queueGauge('executions_running', 'Executions being advanced right now.', (s) => s.running);
  queueGauge('executions_parked', 'Executions parked until a later time (durable delays).', (s) => s.parked);

  return {
    executionStarted: (workflowId) => started.inc({ workflow: workflowLabel(workflowId) }),
    executionFinished: (workflowId, status) => finished.inc({ workflow: workflowLabel(workflowId), status }),
    step(nodeType, status, durationMs) {
      if (status === 'skipped') return;
      // A stored workflow may name a type this build does not know: one shared label, not one each.
      stepSeconds.observe({ node_type: isNodeType(nodeType) ? nodeType : 'unknown', status }, Math.max(0, durationMs) / 1000);
    },
    webhookAck: (status, seconds) => ackSeconds.observe({ status_class: statusClass(status) }, seconds),
    scheduleFired: (lagMs) => lagSeconds.observe(Math.max(0, lagMs) / 1000),
    pollFailed: (workflowId) => pollFailures.inc({ workflow: workflowLabel(workflowId) }),
    outboundHttp: (status) => outbound.inc({ status_class: statusClass(status) }),
    email: (outcome) => emails.inc({ outcome }),
    groupCommit: {
      batch: (size) => batchSize.observe(size),
      fsync: (ms) => fsyncSeconds.observe(ms / 1000),
    },
    setQueueSource(read) {
      readQueue = read;
    },
    // Both registries end their text with a newline, so the two expositions simply follow each other.
    render: async () => `${await perProcess.metrics()}${await registry.metrics()}`,
    contentType: registry.contentType,
    workflowLabel,
  };
}
