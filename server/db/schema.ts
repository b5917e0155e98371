/** Kysely table types; must match migrations/. */
import type { Generated } from 'kysely';

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
  created_at: number;
  updated_at: number;
};
export type WorkflowVersionsTable = { workflow_id: string; version: number; name: string; nodes: string; edges: string; created_at: number };
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
};
export type StepsTable = {
  execution_id: string;
  node_id: string;
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
export type IdempotencyKeysTable = { token: string; key: string; execution_id: string; created_at: number };
export type TriggerStateTable = { workflow_id: string; node_id: string; state: string; updated_at: number };
export type NodeSamplesTable = {
  workflow_id: string;
  node_id: string;
  sample: string | null;
  captured_at: number | null;
  listening_until: number | null;
};

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
  trigger_state: TriggerStateTable;
  node_samples: NodeSamplesTable;
};
