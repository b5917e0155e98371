/**
 * Kysely table types of both dialects, and COLUMNS, their runtime description: schema.test.ts checks
 * each dialect's migrated database against COLUMNS, and the compiler checks COLUMNS against these types.
 */
import type { ColumnType, Generated, SelectType, Selectable } from 'kysely';

export type UsersTable = { id: string; email: string; password_hash: string; password_changed_at: number; created_at: number };
export type SessionsTable = { id: string; user_id: string; created_at: number; expires_at: number; last_seen_at: number };
export type ApiKeysTable = {
  id: string;
  user_id: string;
  label: string;
  prefix: string;
  key_hash: string;
  created_at: number;
  last_used_at: number | null;
};
export type WorkflowsTable = {
  id: string;
  name: string;
  active: number;
  version: number;
  nodes: string;
  edges: string;
  /** WorkflowSettings as JSON (migration 014/012); '{}' for none. */
  settings: string;
  created_at: number;
  updated_at: number;
};
export type WorkflowVersionsTable = {
  workflow_id: string;
  version: number;
  name: string;
  nodes: string;
  edges: string;
  settings: string;
  created_at: number;
  /** Who saved it (an email); null before migration 008/006 and for saves without a user. */
  created_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** The version this one restored ("Restore as draft"); null for an ordinary save. */
  restored_from: ColumnType<number | null, number | null | undefined, number | null>;
};
export type WebhookTokensTable = { token: string; workflow_id: string; node_id: string; created_at: number };
export type ExecutionsTable = {
  id: string;
  workflow_id: string;
  workflow_version: number;
  status: string;
  mode: string;
  retry_of: string | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  wake_at: number | null;
  /** The trigger event in one line, for the executions list (services/trigger-summary.ts); null before migration 005/003. */
  summary: ColumnType<string | null, string | null | undefined, string | null>;
  /** PostgreSQL's shared queue: the worker holding the execution, until lease_until (SQLite: always null). */
  lease_owner: ColumnType<string | null, string | null | undefined, string | null>;
  lease_until: ColumnType<number | null, number | null | undefined, number | null>;
  /** Bumped each time a worker takes the execution; its writes check it (store.ts Lease). */
  fence: Generated<number>;
  /** flow.call: the execution that called this one (migration 006/004), and the call chain's depth. */
  parent_execution_id: ColumnType<string | null, string | null | undefined, string | null>;
  call_depth: Generated<number>;
  /** A retry: 'start' or 'failed' (migration 011/009); null otherwise. */
  retry_from: ColumnType<string | null, string | null | undefined, string | null>;
  /** Running time used of settings.timeoutSeconds, as of the last park or checkpoint (migration 017/015; engine/timeout.ts). */
  active_ms: Generated<number>;
  /**
   * settings.concurrency (migration 015/013): the execution's group (`<workflowId>`, or
   * `<workflowId>:<key value>` with a key) and its version's limit, fixed at ingest; null when unlimited.
   */
  concurrency_key: ColumnType<string | null, string | null | undefined, string | null>;
  concurrency_limit: ColumnType<number | null, number | null | undefined, number | null>;
};
export type StepsTable = {
  execution_id: string;
  node_id: string;
  /** '' outside loops; '3' for a flow.forEach's fourth item, '3.1' for a nested loop's (migration 006/004). */
  iteration: string;
  status: string;
  attempts: Generated<number>;
  input: string | null;
  output: string | null;
  error: string | null;
  handle: string | null;
  truncated: Generated<number>;
  started_at: number | null;
  finished_at: number | null;
  resume_at: number | null;
};
/** Bulk actions on executions, resumable (migration 013/011). */
export type BulkJobsTable = {
  id: string;
  request_key: string;
  action: string;
  request: string;
  upto_id: string | null;
  cursor: string | null;
  total: number;
  done: Generated<number>;
  failed: Generated<number>;
  status: string;
  created_at: number;
  finished_at: number | null;
};
/** Failed executions not yet handed to error workflows (migration 012/010). */
export type FailuresTable = { execution_id: string; created_at: number };
/** E-mail alerts: the durable queue and record (services/alerts). */
export type AlertsTable = {
  id: string;
  workflow_id: string;
  /** 'failure' | 'recovery' */
  kind: string;
  execution_id: string;
  node_id: string | null;
  node_type: string | null;
  error_code: string | null;
  error_message: string | null;
  /** JSON array of addresses. */
  recipients: string;
  /** 'new' (not deduplicated yet) | 'pending' (to send) | 'sent' | 'captured' | 'suppressed' | 'failed' */
  status: string;
  repeats: Generated<number>;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  created_at: number;
  sent_at: number | null;
};
export type AlertSignaturesTable = { signature: string; workflow_id: string; sent_at: number; suppressed: Generated<number>; carried: Generated<number> };
export type AlertStatesTable = { workflow_id: string; failure_execution_id: string; failure_created_at: number; failure_finished_at: number };
export type IdempotencyKeysTable = { token: string; key: string; execution_id: string; created_at: number };
export type TriggerStateTable = { workflow_id: string; node_id: string; state: string; updated_at: number };
export type NodeSamplesTable = {
  workflow_id: string;
  node_id: string;
  sample: string | null;
  captured_at: number | null;
  listening_until: number | null;
};
export type CredentialsTable = {
  id: string;
  name: string;
  type: string;
  /** JSON array of the field names that hold a value. */
  fields: string;
  /** Sealed `{type, data}` (see adapters/crypto.ts). */
  data: string;
  created_at: number;
  updated_at: number;
};
export type VaultMetaTable = { name: string; value: string };
export type VariablesTable = {
  name: string;
  /** 1: `value` is sealed (adapters/crypto.ts, bound to `variable:<name>`); 0: plain text. */
  secret: number;
  value: string;
  created_at: number;
  updated_at: number;
};
export type OutboxTable = {
  id: string;
  from_addr: string | null;
  /** JSON arrays of formatted addresses. */
  to_addrs: string;
  cc_addrs: string;
  bcc_addrs: string;
  reply_to: string | null;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  message_id: string | null;
  created_at: number;
};
export type WebhookRequestsTable = {
  /** Insertion order (SQLite rowid; PostgreSQL identity). */
  seq: Generated<number>;
  id: string;
  workflow_id: string;
  node_id: string;
  received_at: number;
  method: string;
  path: string;
  /** JSON objects. */
  headers: string;
  query: string;
  body: string | null;
  body_size: number;
  body_truncated: number;
  status: number;
  execution_id: string | null;
  reason: string | null;
};
export type WebhookStatsTable = {
  workflow_id: string;
  node_id: string;
  auth_failures: number;
  last_auth_failure_at: number | null;
  last_auth_failure_reason: string | null;
};
/** One change a person or API key made (services/audit.service.ts); append-only through the API. */
export type AuditLogTable = {
  id: string;
  at: number;
  actor_type: string;
  actor_id: string | null;
  actor_name: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  /** A small JSON object; never secret values. */
  detail: string;
  ip: string | null;
  request_id: string | null;
};
/** An inspector row as clients see it (seq is internal). */
export type WebhookRequestRow = Omit<Selectable<WebhookRequestsTable>, 'seq'>;
export type WebhookStatsRow = Omit<WebhookStatsTable, 'workflow_id' | 'node_id'>;

export type Schema = {
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  webhook_tokens: WebhookTokensTable;
  executions: ExecutionsTable;
  steps: StepsTable;
  idempotency_keys: IdempotencyKeysTable;
  failures: FailuresTable;
  alerts: AlertsTable;
  alert_signatures: AlertSignaturesTable;
  alert_states: AlertStatesTable;
  bulk_jobs: BulkJobsTable;
  trigger_state: TriggerStateTable;
  node_samples: NodeSamplesTable;
  credentials: CredentialsTable;
  vault_meta: VaultMetaTable;
  variables: VariablesTable;
  outbox: OutboxTable;
  webhook_requests: WebhookRequestsTable;
  webhook_stats: WebhookStatsTable;
  audit_log: AuditLogTable;
};

/** How a column is stored: 'text' or 'integer' (SQLite INTEGER, PostgreSQL integer or bigint); '?' = nullable. */
export type ColumnClass = 'text' | 'integer' | 'text?' | 'integer?';

/** The class a TypeScript column type implies (never for anything but string and number). */
type ClassOf<V> = `${NonNullable<V> extends string ? 'text' : NonNullable<V> extends number ? 'integer' : never}${null extends V ? '?' : ''}`;
type ColumnsOf<DB> = { readonly [T in keyof DB]: { readonly [C in keyof DB[T]]: ClassOf<SelectType<DB[T][C]>> } };

/**
 * Every table and column of Schema, as schema.test.ts finds them in a migrated database of either
 * dialect. Kept in step with the types above by the compiler: a table or column missing, extra, or
 * of another class or nullability fails `npm run typecheck`.
 */
export const COLUMNS = {
  users: { id: 'text', email: 'text', password_hash: 'text', password_changed_at: 'integer', created_at: 'integer' },
  sessions: { id: 'text', user_id: 'text', created_at: 'integer', expires_at: 'integer', last_seen_at: 'integer' },
  api_keys: {
    id: 'text',
    user_id: 'text',
    label: 'text',
    prefix: 'text',
    key_hash: 'text',
    created_at: 'integer',
    last_used_at: 'integer?',
  },
  workflows: {
    id: 'text',
    name: 'text',
    active: 'integer',
    version: 'integer',
    nodes: 'text',
    edges: 'text',
    settings: 'text',
    created_at: 'integer',
    updated_at: 'integer',
  },
  workflow_versions: { workflow_id: 'text', version: 'integer', name: 'text', nodes: 'text', edges: 'text', settings: 'text', created_at: 'integer', created_by: 'text?', restored_from: 'integer?' },
  webhook_tokens: { token: 'text', workflow_id: 'text', node_id: 'text', created_at: 'integer' },
  executions: {
    id: 'text',
    workflow_id: 'text',
    workflow_version: 'integer',
    status: 'text',
    mode: 'text',
    retry_of: 'text?',
    error: 'text?',
    created_at: 'integer',
    started_at: 'integer?',
    finished_at: 'integer?',
    wake_at: 'integer?',
    summary: 'text?',
    lease_owner: 'text?',
    lease_until: 'integer?',
    fence: 'integer',
    parent_execution_id: 'text?',
    call_depth: 'integer',
    retry_from: 'text?',
    active_ms: 'integer',
    concurrency_key: 'text?',
    concurrency_limit: 'integer?',
  },
  steps: {
    execution_id: 'text',
    node_id: 'text',
    iteration: 'text',
    status: 'text',
    attempts: 'integer',
    input: 'text?',
    output: 'text?',
    error: 'text?',
    handle: 'text?',
    truncated: 'integer',
    started_at: 'integer?',
    finished_at: 'integer?',
    resume_at: 'integer?',
  },
  idempotency_keys: { token: 'text', key: 'text', execution_id: 'text', created_at: 'integer' },
  failures: { execution_id: 'text', created_at: 'integer' },
  alerts: {
    id: 'text',
    workflow_id: 'text',
    kind: 'text',
    execution_id: 'text',
    node_id: 'text?',
    node_type: 'text?',
    error_code: 'text?',
    error_message: 'text?',
    recipients: 'text',
    status: 'text',
    repeats: 'integer',
    attempts: 'integer',
    last_error: 'text?',
    next_attempt_at: 'integer',
    claimed_by: 'text?',
    claimed_until: 'integer?',
    created_at: 'integer',
    sent_at: 'integer?',
  },
  alert_signatures: { signature: 'text', workflow_id: 'text', sent_at: 'integer', suppressed: 'integer', carried: 'integer' },
  alert_states: { workflow_id: 'text', failure_execution_id: 'text', failure_created_at: 'integer', failure_finished_at: 'integer' },
  bulk_jobs: {
    id: 'text',
    request_key: 'text',
    action: 'text',
    request: 'text',
    upto_id: 'text?',
    cursor: 'text?',
    total: 'integer',
    done: 'integer',
    failed: 'integer',
    status: 'text',
    created_at: 'integer',
    finished_at: 'integer?',
  },
  trigger_state: { workflow_id: 'text', node_id: 'text', state: 'text', updated_at: 'integer' },
  node_samples: { workflow_id: 'text', node_id: 'text', sample: 'text?', captured_at: 'integer?', listening_until: 'integer?' },
  credentials: {
    id: 'text',
    name: 'text',
    type: 'text',
    fields: 'text',
    data: 'text',
    created_at: 'integer',
    updated_at: 'integer',
  },
  vault_meta: { name: 'text', value: 'text' },
  variables: { name: 'text', secret: 'integer', value: 'text', created_at: 'integer', updated_at: 'integer' },
  outbox: {
    id: 'text',
    from_addr: 'text?',
    to_addrs: 'text',
    cc_addrs: 'text',
    bcc_addrs: 'text',
    reply_to: 'text?',
    subject: 'text',
    text_body: 'text?',
    html_body: 'text?',
    message_id: 'text?',
    created_at: 'integer',
  },
  webhook_requests: {
    seq: 'integer',
    id: 'text',
    workflow_id: 'text',
    node_id: 'text',
    received_at: 'integer',
    method: 'text',
    path: 'text',
    headers: 'text',
    query: 'text',
    body: 'text?',
    body_size: 'integer',
    body_truncated: 'integer',
    status: 'integer',
    execution_id: 'text?',
    reason: 'text?',
  },
  webhook_stats: {
    workflow_id: 'text',
    node_id: 'text',
    auth_failures: 'integer',
    last_auth_failure_at: 'integer?',
    last_auth_failure_reason: 'text?',
  },
  audit_log: {
    id: 'text',
    at: 'integer',
    actor_type: 'text',
    actor_id: 'text?',
    actor_name: 'text',
    action: 'text',
    target_type: 'text?',
    target_id: 'text?',
    detail: 'text',
    ip: 'text?',
    request_id: 'text?',
  },
} as const satisfies ColumnsOf<Schema>;

// `satisfies` names the offending column; Equal also refuses what satisfies lets through
// (e.g. a wider declared type), so COLUMNS is exactly Schema, table by table, column by column.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type ColumnsMatchSchema = Expect<Equal<typeof COLUMNS, ColumnsOf<Schema>>>;
