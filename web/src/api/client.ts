/**
 * Typed fetch for the Switchyard API. Responses are parsed with the shared zod schemas; errors
 * arrive as `ApiError` carrying the envelope's code, message and details.
 */
import { BulkJob, type BulkFilter } from '#shared/api/bulk.ts';
import { z } from 'zod';
import { AuditPage } from '#shared/api/audit.ts';
import { CredentialSummary, OutboxMail } from '#shared/api/credentials.ts';
import { VariableSummary } from '#shared/api/variables.ts';
import { PollTestResult } from '#shared/api/poll-test.ts';
import { VersionList } from '#shared/api/versions.ts';
import { ErrorEnvelope } from '#shared/errors.ts';
import { ExecutionDetail, ExecutionStatus, ExecutionSummary } from '#shared/execution.ts';
import type { Issue } from '#shared/issues.ts';
import { Workflow, WorkflowVersion, type WorkflowDraft } from '#shared/workflow.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Validation issues, when the server sent `details: [{path, message}]`. */
  get issues(): Issue[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is Issue => typeof d === 'object' && d !== null && typeof (d as Issue).path === 'string' && typeof (d as Issue).message === 'string',
    );
  }
}

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => {};
/** Called on any 401 outside the auth routes (the session expired): the app shows the login page. */
export function setUnauthorizedHandler(fn: Unauthorized): void {
  onUnauthorized = fn;
}

/**
 * Parses with a shared schema. A mismatch is a contract bug: it is logged loudly, and the raw
 * value is still used so one unexpected field does not blank the page.
 */
function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  console.error(`API response for ${what} does not match the shared schema`, r.error.issues);
  return value as T;
}

async function request<T = unknown>(method: string, path: string, body?: unknown, schema?: z.ZodType<T>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw new ApiError(0, 'NETWORK', 'Cannot reach the Switchyard server. Is it running?', { cause: String(cause) });
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON (a proxy error page, say): reported below through the status.
      json = undefined;
    }
  }
  if (!res.ok) {
    const env = ErrorEnvelope.safeParse(json);
    const err = env.success
      ? new ApiError(res.status, env.data.error.code, env.data.error.message, env.data.error.details)
      : new ApiError(res.status, res.status >= 500 ? 'INTERNAL' : 'HTTP_ERROR', `The server answered ${res.status} ${res.statusText}`.trim());
    if (res.status === 401 && !path.startsWith('/api/auth/')) onUnauthorized();
    throw err;
  }
  return schema ? parse(schema, json, `${method} ${path}`) : (json as T);
}

const qs = (params: Record<string, string | number | undefined | null>) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
};

// ---------------------------------------------------------------- shapes the shared folder does not hold yet

export const User = z.object({ id: z.string(), email: z.string() });
export type User = z.infer<typeof User>;
export const AuthStatus = z.object({ needsSetup: z.boolean(), user: User.nullable() });
export type AuthStatus = z.infer<typeof AuthStatus>;
export const Meta = z.object({ version: z.string(), publicUrl: z.string(), smtpConfigured: z.boolean() });
export type Meta = z.infer<typeof Meta>;

/** What POST /api/workflows/import says it mapped and found missing (server/services/workflow-requirements.ts). */
export const ImportReport = z.object({
  credentials: z.object({
    mapped: z.array(z.object({ from: z.string(), to: z.string(), name: z.string(), by: z.enum(['map', 'name']) })),
    missing: z.array(z.object({ id: z.string(), name: z.string().nullable(), type: z.string().nullable(), nodes: z.array(z.string()) })),
  }),
  variables: z.object({ missing: z.array(z.object({ name: z.string(), nodes: z.array(z.string()) })) }),
});
export type ImportReport = z.infer<typeof ImportReport>;

export const LastExecution = z.object({ id: z.string(), status: ExecutionStatus, createdAt: z.string(), finishedAt: z.string().nullable() });
export const WorkflowListItem = z.object({
  id: z.string(),
  name: z.string(),
  active: z.boolean(),
  version: z.number(),
  triggerType: z.string().nullable(),
  lastExecution: LastExecution.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WorkflowListItem = z.infer<typeof WorkflowListItem>;

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable().optional() });

export { CredentialSummary, OutboxMail, VariableSummary };

export const ApiKey = z.object({ id: z.string(), label: z.string(), prefix: z.string().optional(), createdAt: z.string(), lastUsedAt: z.string().nullable().optional() });
export type ApiKey = z.infer<typeof ApiKey>;

export const WebhookSample = z.object({
  method: z.string(),
  path: z.string().optional(),
  headers: z.record(z.string(), z.unknown()).default({}),
  query: z.record(z.string(), z.unknown()).default({}),
  body: z.unknown(),
  receivedAt: z.string().optional(),
});
export type WebhookSample = z.infer<typeof WebhookSample>;

export const HookRequest = z.object({
  id: z.string(),
  receivedAt: z.string(),
  method: z.string(),
  headers: z.record(z.string(), z.unknown()).default({}),
  query: z.record(z.string(), z.unknown()).default({}),
  body: z.unknown(),
  status: z.number().nullable().optional(),
});
export type HookRequest = z.infer<typeof HookRequest>;


const ExecutionId = z.object({ executionId: z.string() });

// ---------------------------------------------------------------- endpoints

export const api = {
  auth: {
    status: () => request('GET', '/api/auth/status', undefined, AuthStatus),
    setup: (email: string, password: string) => request('POST', '/api/auth/setup', { email, password }, z.object({ user: User })),
    login: (email: string, password: string) => request('POST', '/api/auth/login', { email, password }, z.object({ user: User })),
    logout: () => request<void>('POST', '/api/auth/logout'),
  },
  meta: () => request('GET', '/api/meta', undefined, Meta),

  workflows: {
    list: (p: { q?: string; limit?: number; cursor?: string | null } = {}) =>
      request('GET', `/api/workflows${qs(p)}`, undefined, page(WorkflowListItem)),
    create: (draft: WorkflowDraft) => request('POST', '/api/workflows', draft, Workflow),
    get: (id: string) => request('GET', `/api/workflows/${encodeURIComponent(id)}`, undefined, Workflow),
    save: (id: string, draft: WorkflowDraft) => request('PUT', `/api/workflows/${encodeURIComponent(id)}`, draft, Workflow),
    remove: (id: string) => request<void>('DELETE', `/api/workflows/${encodeURIComponent(id)}`),
    activate: (id: string) => request('POST', `/api/workflows/${encodeURIComponent(id)}/activate`, undefined, Workflow),
    deactivate: (id: string) => request('POST', `/api/workflows/${encodeURIComponent(id)}/deactivate`, undefined, Workflow),
    duplicate: (id: string) => request('POST', `/api/workflows/${encodeURIComponent(id)}/duplicate`, undefined, Workflow),
    exportDoc: (id: string) => request<unknown>('GET', `/api/workflows/${encodeURIComponent(id)}/export`),
    importDoc: (doc: unknown) => request('POST', '/api/workflows/import', doc, Workflow.extend({ import: ImportReport.optional() })),
    /** One saved version's graph, as its executions ran it. */
    version: (id: string, version: number) => request('GET', `/api/workflows/${encodeURIComponent(id)}/versions/${version}`, undefined, WorkflowVersion),
    /** The version history, newest first: who, when, and what changed against the version before. */
    versions: (id: string, p: { limit?: number; cursor?: string | null } = {}) =>
      request('GET', `/api/workflows/${encodeURIComponent(id)}/versions${qs(p)}`, undefined, VersionList),
    /** Saves `version`'s graph as a new version (as a save would: validated and armed when active). */
    restoreVersion: (id: string, version: number) => request('POST', `/api/workflows/${encodeURIComponent(id)}/versions/${version}/restore`, {}, Workflow),
    run: (id: string, payload?: unknown) => request('POST', `/api/workflows/${encodeURIComponent(id)}/run`, { payload }, ExecutionId),
  },

  nodes: {
    listen: (wfId: string, nodeId: string) =>
      request('POST', `/api/workflows/${encodeURIComponent(wfId)}/nodes/${encodeURIComponent(nodeId)}/listen`, {}, z.object({ url: z.string(), listeningUntil: z.string() })),
    sample: (wfId: string, nodeId: string) =>
      request(
        'GET',
        `/api/workflows/${encodeURIComponent(wfId)}/nodes/${encodeURIComponent(nodeId)}/sample`,
        undefined,
        z.object({ sample: WebhookSample.nullable(), capturedAt: z.string().nullable().optional() }),
      ),
    testPoll: (wfId: string, nodeId: string, config: unknown) =>
      request('POST', `/api/workflows/${encodeURIComponent(wfId)}/nodes/${encodeURIComponent(nodeId)}/test-poll`, { config }, PollTestResult),
    requests: (wfId: string, nodeId: string) =>
      request('GET', `/api/workflows/${encodeURIComponent(wfId)}/nodes/${encodeURIComponent(nodeId)}/requests`, undefined, z.object({ items: z.array(HookRequest) })),
    replay: (wfId: string, nodeId: string, requestId: string) =>
      request(
        'POST',
        `/api/workflows/${encodeURIComponent(wfId)}/nodes/${encodeURIComponent(nodeId)}/requests/${encodeURIComponent(requestId)}/replay`,
        {},
        ExecutionId,
      ),
  },

  executions: {
    list: (p: { workflowId?: string; status?: string; mode?: string; from?: string; to?: string; q?: string; cursor?: string | null; limit?: number } = {}) =>
      request('GET', `/api/executions${qs(p)}`, undefined, page(ExecutionSummary)),
    get: (id: string) => request('GET', `/api/executions/${encodeURIComponent(id)}`, undefined, ExecutionDetail),
    retry: (id: string, how: { from?: 'start' | 'failed'; version?: 'original' | 'current' } = {}) =>
      request('POST', `/api/executions/${encodeURIComponent(id)}/retry`, how, ExecutionId),
    cancel: (id: string) => request('POST', `/api/executions/${encodeURIComponent(id)}/cancel`, {}, ExecutionSummary),
    bulkCount: (filter: BulkFilter) => request('POST', '/api/executions/bulk', { action: 'retry', filter, dryRun: true }, z.object({ total: z.number() })),
    bulk: (req: { action: BulkJob['action']; filter: BulkFilter }) => request('POST', '/api/executions/bulk', req, BulkJob),
    bulkJob: (jobId: string) => request('GET', `/api/executions/bulk/${encodeURIComponent(jobId)}`, undefined, BulkJob),
  },

  credentials: {
    list: () => request('GET', '/api/credentials', undefined, z.object({ items: z.array(CredentialSummary) })),
    create: (body: { name: string; type: string; data: Record<string, unknown> }) => request('POST', '/api/credentials', body, CredentialSummary),
    update: (id: string, body: { name?: string; data?: Record<string, unknown> }) =>
      request('PUT', `/api/credentials/${encodeURIComponent(id)}`, body, CredentialSummary),
    remove: (id: string) => request<void>('DELETE', `/api/credentials/${encodeURIComponent(id)}`),
  },

  variables: {
    list: () => request('GET', '/api/variables', undefined, z.object({ items: z.array(VariableSummary) })),
    create: (body: { name: string; value: string; secret: boolean }) => request('POST', '/api/variables', body, VariableSummary),
    update: (name: string, body: { value?: string; secret?: boolean }) => request('PUT', `/api/variables/${encodeURIComponent(name)}`, body, VariableSummary),
    remove: (name: string) => request<void>('DELETE', `/api/variables/${encodeURIComponent(name)}`),
  },

  outbox: (p: { cursor?: string | null; limit?: number } = {}) => request('GET', `/api/outbox${qs(p)}`, undefined, page(OutboxMail)),

  /** The audit log, newest first; filters as GET /api/audit takes them. */
  audit: (p: { actor?: string; action?: string; from?: string; to?: string; cursor?: string | null; limit?: number } = {}) =>
    request('GET', `/api/audit${qs(p)}`, undefined, AuditPage),

  apiKeys: {
    list: () => request('GET', '/api/api-keys', undefined, z.object({ items: z.array(ApiKey) })),
    create: (label: string) => request('POST', '/api/api-keys', { label }, z.object({ id: z.string(), label: z.string().optional(), key: z.string() })),
    remove: (id: string) => request<void>('DELETE', `/api/api-keys/${encodeURIComponent(id)}`),
  },
};

/** A message fit for a toast. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    const n = err.issues.length;
    return n > 0 ? `${err.message} (${n} problem${n === 1 ? '' : 's'})` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
