/**
 * The request inspector: the last 50 requests per webhook node (secret headers masked, body capped)
 * and the node's auth-failure count. The request path only appends to a small in-memory buffer; a
 * timer flushes the buffers in one batch, so ingest never waits on an extra write.
 */
import type { WebhookAuth } from '#shared/nodes/trigger-webhook.ts';
import { INSPECTOR_KEEP, type InspectorStore, type WebhookRequestRow } from '../db/store.ts';
import { iso, type Clock } from '../lib/clock.ts';
import { newId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import { secretHeaderNames } from './webhook-auth.ts';

export { INSPECTOR_KEEP };
export const INSPECTOR_BODY_CAP = 16 * 1024;
const ALWAYS_MASKED = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token'];
export const REDACTED = '[redacted]';

/** Where a request belongs: one webhook node of one workflow. */
export type HookRef = { key: string; workflowId: string; nodeId: string; config: { auth: WebhookAuth } };
export type RequestSeen = { method: string; path: string; headers: Record<string, string>; query: Record<string, string>; rawBody: Buffer };
export type Outcome = { status: number; executionId?: string; reason?: string };

export type InspectedRequest = {
  id: string;
  receivedAt: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body: string | null;
  bodySize: number;
  bodyTruncated: boolean;
  status: number;
  executionId: string | null;
  reason: string | null;
};

export type WebhookStats = { authFailures: number; lastAuthFailureAt: string | null; lastAuthFailureReason: string | null };

/** References only (no copies) so recording costs one small object per request; rows are built at flush. */
type Entry = {
  at: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  /** The body, or only its first INSPECTOR_BODY_CAP bytes. */
  body: Buffer;
  size: number;
  auth: WebhookAuth;
  status: number;
  executionId: string | undefined;
  reason: string | undefined;
};
/** A ring of the newest INSPECTOR_KEEP entries (Array#shift per request was ~20x slower) plus failure counts. */
type Slot = { workflowId: string; nodeId: string; ring: (Entry | undefined)[]; seen: number; failures: number; lastFailureAt: number; lastReason: string };

export function createWebhookInspector(deps: { store: InspectorStore; clock: Clock; logger: Logger; flushMs?: number }) {
  const flushMs = deps.flushMs ?? 500;
  const pending = new Map<string, Slot>();
  const inflight = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;

  function slot(hook: HookRef): Slot {
    let s = pending.get(hook.key);
    if (!s) {
      s = { workflowId: hook.workflowId, nodeId: hook.nodeId, ring: new Array<Entry | undefined>(INSPECTOR_KEEP), seen: 0, failures: 0, lastFailureAt: 0, lastReason: '' };
      pending.set(hook.key, s);
      if (!timer) {
        timer = setTimeout(flushAll, flushMs);
        timer.unref();
      }
    }
    return s;
  }

  function flushOne(key: string): Promise<void> {
    const s = pending.get(key);
    if (!s) return inflight.get(key) ?? Promise.resolve();
    pending.delete(key);
    const rows = oldestFirst(s).map((e) => toRow(s, e));
    const failures = s.failures ? { count: s.failures, at: s.lastFailureAt, reason: s.lastReason } : undefined;
    const done = deps.store
      .append(s.workflowId, s.nodeId, rows, failures)
      .catch((err: unknown) => {
        // Typically the workflow was deleted since (foreign key): its log goes with it, as it should.
        deps.logger.warn('webhook inspector flush failed', { workflowId: s.workflowId, nodeId: s.nodeId, err: String(err) });
      })
      .finally(() => {
        if (inflight.get(key) === done) inflight.delete(key);
      });
    inflight.set(key, done);
    return done;
  }

  function flushAll(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    return Promise.all([...pending.keys()].map(flushOne)).then(() => undefined);
  }

  /** Flushes this hook's buffer and waits for anything already on its way to disk. */
  async function settle(workflowId: string, nodeId: string): Promise<void> {
    const key = hookKey(workflowId, nodeId);
    await flushOne(key);
    await inflight.get(key);
  }

  return {
    /** `at` is when the request arrived (result mode answers later). */
    record(hook: HookRef, req: RequestSeen, outcome: Outcome, at: number): void {
      const s = slot(hook);
      const raw = req.rawBody;
      // Copy only an oversized body's head: holding the whole buffer would pin up to the body limit.
      const body = raw.length > INSPECTOR_BODY_CAP ? Buffer.from(raw.subarray(0, INSPECTOR_BODY_CAP)) : raw;
      s.ring[s.seen++ % INSPECTOR_KEEP] = {
        at,
        method: req.method,
        path: req.path,
        headers: req.headers,
        query: req.query,
        body,
        size: raw.length,
        auth: hook.config.auth,
        status: outcome.status,
        executionId: outcome.executionId,
        reason: outcome.reason,
      };
    },

    authFailure(hook: HookRef, reason: string): void {
      const s = slot(hook);
      s.failures++;
      s.lastFailureAt = deps.clock.now();
      s.lastReason = reason;
    },

    async list(workflowId: string, nodeId: string): Promise<InspectedRequest[]> {
      await settle(workflowId, nodeId);
      return (await deps.store.list(workflowId, nodeId)).map(present);
    },

    async get(workflowId: string, nodeId: string, id: string): Promise<WebhookRequestRow | undefined> {
      await settle(workflowId, nodeId);
      return deps.store.get(workflowId, nodeId, id);
    },

    async stats(workflowId: string, nodeId: string): Promise<WebhookStats> {
      await settle(workflowId, nodeId);
      const row = await deps.store.stats(workflowId, nodeId);
      return {
        authFailures: row?.auth_failures ?? 0,
        lastAuthFailureAt: iso(row?.last_auth_failure_at),
        lastAuthFailureReason: row?.last_auth_failure_reason ?? null,
      };
    },

    /** Writes every buffer now (at shutdown, before the store closes). */
    flush: flushAll,
  };
}
export type WebhookInspector = ReturnType<typeof createWebhookInspector>;

export const hookKey = (workflowId: string, nodeId: string): string => `${workflowId}\u0000${nodeId}`;

/** Secret-bearing headers (credentials, signatures that could be replayed) become "[redacted]". */
export function maskHeaders(headers: Record<string, string>, auth: WebhookAuth): Record<string, string> {
  const masked = new Set([...ALWAYS_MASKED, ...secretHeaderNames(auth)]);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    Object.defineProperty(out, k, { value: masked.has(k) ? REDACTED : v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function oldestFirst(s: Slot): Entry[] {
  if (s.seen <= INSPECTOR_KEEP) return s.ring.slice(0, s.seen) as Entry[];
  const start = s.seen % INSPECTOR_KEEP;
  return [...s.ring.slice(start), ...s.ring.slice(0, start)] as Entry[];
}

function toRow(s: Slot, e: Entry): WebhookRequestRow {
  return {
    id: newId('req', e.at),
    workflow_id: s.workflowId,
    node_id: s.nodeId,
    received_at: e.at,
    method: e.method,
    path: e.path,
    headers: JSON.stringify(maskHeaders(e.headers, e.auth)),
    query: JSON.stringify(e.query),
    body: e.body.length ? e.body.toString('utf8') : null,
    body_size: e.size,
    body_truncated: e.size > e.body.length ? 1 : 0,
    status: e.status,
    execution_id: e.executionId ?? null,
    reason: e.reason ?? null,
  };
}

function present(r: WebhookRequestRow): InspectedRequest {
  return {
    id: r.id,
    receivedAt: iso(r.received_at)!,
    method: r.method,
    path: r.path,
    headers: JSON.parse(r.headers) as Record<string, string>,
    query: JSON.parse(r.query) as Record<string, string>,
    body: r.body,
    bodySize: r.body_size,
    bodyTruncated: r.body_truncated === 1,
    status: r.status,
    executionId: r.execution_id,
    reason: r.reason,
  };
}
