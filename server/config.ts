/** Environment → validated Config. Only main.ts reads process.env; everything else takes a Config. */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  /** postgres://… switches the whole store to PostgreSQL (several processes may share it); unset: SQLite in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .refine((u) => /^postgres(ql)?:\/\//i.test(u), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /**
   * What this process does: `all` (API, editor, /hooks, schedules, polls, executions), `web` (API,
   * editor, /hooks: executes and schedules nothing) or `worker` (executions, schedules, polls; serves
   * only GET /api/health). `web` and `worker` need DATABASE_URL.
   */
  SWITCHYARD_ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  PUBLIC_URL: z.string().url().optional(),
  /** 64 hex chars or base64 of 32 bytes (a raw key), else a passphrase of >= 16 chars (scrypt); unset: DATA_DIR/encryption.key. */
  ENCRYPTION_KEY: z.string().optional(),
  /** Default mail server, e.g. smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465; unset: the outbox. */
  SMTP_URL: z
    .string()
    .refine((u) => /^smtps?:\/\/[^/?#]+/i.test(u), 'must be an smtp:// or smtps:// URL with a host')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json`: one JSON object per line (pino); `pretty`: one readable, coloured line per entry, for a terminal. */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** Bearer token for GET /metrics; unset: /metrics answers loopback clients only. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Distinct workflow label values in /metrics; executions of further workflows count under `other`. */
  METRICS_MAX_WORKFLOWS: z.coerce.number().int().min(1).max(100_000).default(200),
  OUTBOUND_BLOCK_PRIVATE: bool.default(false),
  /** Executions advanced at once by the worker pool. */
  EXECUTION_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  /**
   * PostgreSQL mode: how long a worker's lease on an execution lasts without renewal (renewed every
   * third of it). A worker that dies is taken over this long after its last renewal.
   */
  EXECUTION_LEASE_SECONDS: z.coerce.number().min(1).max(600).default(20),
  /**
   * PostgreSQL mode: pooled connections per process (writes, reads, claims). Each process also
   * keeps two dedicated ones (one LISTEN for every channel, and the trigger lock), so N processes use about
   * N × (this + 2) of the server's max_connections (100 by default).
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  /** Largest accepted webhook body, bytes. */
  WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** Largest API request body, bytes. */
  API_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(5 * 1024 * 1024),
  /** Retention: executions older than this many days are pruned. */
  EXECUTIONS_MAX_AGE_DAYS: z.coerce.number().min(0).default(14),
  /** Retention: at most this many executions are kept per workflow. */
  EXECUTIONS_MAX_PER_WORKFLOW: z.coerce.number().int().min(1).default(10_000),
  /** Retention: audit log entries older than this many days are pruned (by the same job as executions). */
  /**
   * SQLite: keep a full-text index of executions' events and outputs for `GET /api/executions?q=`
   * (FTS5 trigram, in switchyard-search.db, written by a worker thread: README, Searching
   * executions); off, `q` scans.
   */
  EXECUTION_SEARCH_INDEX: z.enum(['on', 'off']).default('on'),
  AUDIT_MAX_AGE_DAYS: z.coerce.number().min(1).default(365),
  /**
   * Retention: at most this many saved versions per workflow (the newest), plus older ones an
   * execution still references; applied on each save. Unset: every version is kept forever.
   */
  WORKFLOW_VERSIONS_MAX: z.coerce.number().int().min(1).optional(),
  /** How often the pruner runs, seconds. */
  PRUNE_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** Session lifetime, hours. */
  SESSION_TTL_HOURS: z.coerce.number().min(0.01).default(24 * 7),
  /** Absolute session lifetime, hours: even a session in constant use ends then (log in again). */
  SESSION_MAX_AGE_HOURS: z.coerce.number().min(0.01).default(24 * 30),
  /**
   * Which reverse proxies to believe about the client's address (X-Forwarded-For), in Express's
   * terms: unset = none (the socket's peer is the client), `loopback`, a hop count, or addresses
   * and CIDR ranges separated by commas. Rate limits key on the address this yields.
   */
  TRUST_PROXY: z.string().trim().max(1000).optional(),
  /** A request's headers must have arrived this many seconds after its first byte (else 408, closed). */
  HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().min(0.05).max(3600).default(10),
  /** The whole request, body included, must have arrived this many seconds after its first byte. */
  HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().min(0.05).max(3600).default(30),
  /**
   * An idle keep-alive connection is closed after this many seconds. Longer than the 60 s idle
   * timeout of common load balancers, so the balancer, not the server, closes a pooled connection.
   */
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: z.coerce.number().min(0.05).max(3600).default(65),
  /** Open HTTP connections at most; past it a new one is answered 503 and closed. Unset: half of `ulimit -n` (64…10,000). */
  MAX_CONNECTIONS: z.coerce.number().int().min(1).optional(),
});
export type Config = z.infer<typeof ConfigSchema> & { publicUrl: string };

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = ConfigSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  const c = parsed.data;
  if (c.DATABASE_URL && !c.ENCRYPTION_KEY) {
    throw new Error('ENCRYPTION_KEY is required with DATABASE_URL: every process must share one key, and a key file generated into DATA_DIR cannot be shared between machines');
  }
  if (!c.DATABASE_URL && c.SWITCHYARD_ROLE !== 'all') {
    throw new Error(`SWITCHYARD_ROLE=${c.SWITCHYARD_ROLE} needs DATABASE_URL: with SQLite, one process does everything`);
  }
  if (c.HTTP_HEADERS_TIMEOUT_SECONDS > c.HTTP_REQUEST_TIMEOUT_SECONDS) {
    throw new Error('invalid configuration:\n  HTTP_HEADERS_TIMEOUT_SECONDS: must not exceed HTTP_REQUEST_TIMEOUT_SECONDS (the headers are part of the request)');
  }
  const publicUrl = (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '');
  return { ...c, publicUrl };
}
