/**
 * Inbound webhooks: token → hook (cached), method, rate-limit and auth checks, body parsing, the
 * durable ingest (execution + trigger step fsync'd before the answer), redelivery dedupe, result
 * mode, CORS, the request inspector and replay. Knows nothing of req/res: hooks.handler does that.
 */
import { exceedsDepth, MAX_JSON_DEPTH } from '../lib/json-depth.ts';
import { z } from 'zod';
import { AppError } from '#shared/errors.ts';
import { webhookTrigger, type WebhookAuth } from '#shared/nodes/trigger-webhook.ts';
import type { TriggerInfo } from '#shared/workflow.ts';
import { WorkflowNode } from '#shared/workflow.ts';
import type { HookRepo } from '../db/repos/hook.repo.ts';
import { isFinalStatus, type EngineEvents } from '../engine/events.ts';
import { IDEMPOTENCY_WINDOW_MS } from '../engine/start.ts';
import { iso, type Clock } from '../lib/clock.ts';
import type { ExecutionService } from './execution.service.ts';
import { hookKey, maskHeaders, type WebhookInspector } from './webhook-inspector.ts';
import { failedReply, pendingReply, respondReply } from './webhook-reply.ts';
import { createHookPolicy } from './webhook-policy.ts';

export type WebhookConfig = z.output<typeof webhookTrigger.config>;
export type Hook = {
  token: string;
  workflowId: string;
  nodeId: string;
  /** workflowId + nodeId, precomputed so the request path does not build it. */
  key: string;
  active: boolean;
  version: number;
  config: WebhookConfig;
};

export type InboundRequest = {
  token: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  rawBody: Buffer;
};

export type HookReply = {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Sent as it is instead of `body` as JSON (a Respond node's text or redirect). */
  raw?: string;
  /** For the inspector only, never sent. */
  executionId?: string;
  reason?: string;
  /** Not worth a line in the inspector (inactive hook, over the rate limit). */
  unlogged?: boolean;
};

/** Checks a request's credentials; returns a short reason code when refused, null when accepted. */
export type HookAuthenticator = (auth: WebhookAuth, req: InboundRequest, hook: Hook) => Promise<string | null>;

export { IDEMPOTENCY_WINDOW_MS };
const IDEMPOTENCY_HEADERS = ['idempotency-key', 'webhook-id', 'x-github-delivery'];
const LISTEN_MS = 120_000;

const Nodes = z.array(WorkflowNode);

export function createWebhookService(deps: {
  repo: HookRepo;
  executions: ExecutionService;
  events: EngineEvents;
  clock: Clock;
  publicUrl: () => string;
  authenticate?: HookAuthenticator;
  inspector?: WebhookInspector;
}) {
  const cache = new Map<string, Hook | null>();
  const policy = createHookPolicy();

  async function resolve(token: string): Promise<Hook | null> {
    const hit = cache.get(token);
    if (hit !== undefined) return hit;
    const row = await deps.repo.byToken(token);
    let hook: Hook | null = null;
    if (row) {
      const node = Nodes.parse(JSON.parse(row.nodes)).find((n) => n.id === row.nodeId);
      const parsed = node && webhookTrigger.config.safeParse(node.config);
      if (parsed?.success) {
        hook = { token, workflowId: row.workflowId, nodeId: row.nodeId, key: hookKey(row.workflowId, row.nodeId), active: row.active, version: row.version, config: parsed.data };
      }
    }
    // Unknown tokens are not cached: a flood of random tokens must not grow memory.
    if (hook) cache.set(token, hook);
    return hook;
  }

  /** The trigger's output. Headers are masked by the same rule as the inspector's copy of the request. */
  function toEvent(req: InboundRequest, body: unknown, hook: Hook, at: number) {
    const headers = maskHeaders(req.headers, hook.config.auth);
    return { method: req.method, path: req.path, headers, query: req.query, body, receivedAt: new Date(at).toISOString() };
  }

  /** Everything after the hook is known; the caller adds CORS headers and the inspector line. */
  async function serve(hook: Hook, req: InboundRequest, at: number): Promise<HookReply> {
    const sample = hook.active ? undefined : await deps.repo.sample(hook.workflowId, hook.nodeId);
    const listening = !hook.active && (sample?.listening_until ?? 0) > at;
    if (!hook.active && !listening) return { ...notFound(), unlogged: true };
    if (!hook.config.methods.includes(req.method as WebhookConfig['methods'][number])) {
      return {
        status: 405,
        headers: { Allow: hook.config.methods.join(', ') },
        body: { error: { code: 'METHOD_NOT_ALLOWED', message: `this hook accepts ${hook.config.methods.join(', ')}` } },
      };
    }
    if (hook.config.rateLimit) {
      const limited = policy.throttle(hook, at);
      if (limited) return { ...limited, unlogged: true };
    }
    if (hook.config.auth.type !== 'none') {
      const reason = deps.authenticate ? await deps.authenticate(hook.config.auth, req, hook) : 'auth_not_supported';
      if (reason) {
        deps.inspector?.authFailure(hook, reason);
        return { status: 401, reason, body: { error: { code: 'UNAUTHORIZED', message: 'authentication failed', details: { reason } } } };
      }
    }
    const parsed = parseBody(req.headers, req.rawBody);
    if (!parsed.ok) return { ...parsed.reply, reason: 'bad_body' };
    const event = toEvent(req, parsed.body, hook, at);

    if (listening) {
      await deps.repo.saveSample(hook.workflowId, hook.nodeId, JSON.stringify(event), at);
      return { status: 200, body: { captured: true, message: 'test event captured; the workflow is not active, so nothing ran' } };
    }
    const key = idempotencyKey(req.headers);
    const { executionId, duplicate } = await deps.executions.start({
      workflowId: hook.workflowId,
      workflowVersion: hook.version,
      triggerNodeId: hook.nodeId,
      mode: 'webhook',
      event,
      ...(key ? { idempotency: { token: hook.token, key, since: at - IDEMPOTENCY_WINDOW_MS } } : {}),
    });
    if (hook.config.response.mode !== 'ack') {
      // A redelivery waits for (or returns) the first execution's answer, so a retrying sender gets the same one.
      const { mode, timeoutMs } = hook.config.response;
      const reply = mode === 'result' ? await resultReply(executionId, timeoutMs) : await respondModeReply(executionId, timeoutMs);
      return duplicate ? { ...reply, headers: { ...reply.headers, 'Idempotent-Replayed': 'true' } } : reply;
    }
    return { status: 202, executionId, body: duplicate ? { executionId, duplicate: true } : { executionId } };
  }

  return {
    resolve,
    /** Drops cached hooks (after a workflow is saved, activated, deactivated or deleted). */
    invalidate(workflowId?: string) {
      if (!workflowId) return cache.clear();
      for (const [t, h] of cache) if (!h || h.workflowId === workflowId) cache.delete(t);
    },

    async handle(req: InboundRequest): Promise<HookReply> {
      const hook = await resolve(req.token);
      if (!hook) return notFound();
      const at = deps.clock.now();
      const reply = await serve(hook, req, at);
      if (hook.config.cors) {
        const cors = policy.corsHeaders(hook, req.headers.origin);
        if (cors) reply.headers = { ...reply.headers, ...cors };
      }
      if (deps.inspector && !reply.unlogged) deps.inspector.record(hook, req, reply, at);
      return reply;
    },

    /** OPTIONS /hooks/:token: a CORS preflight for the hook's allowed origins. */
    async preflight(token: string, headers: Record<string, string | undefined>): Promise<HookReply> {
      const hook = await resolve(token);
      return policy.preflight(hook ?? undefined, headers.origin, headers['access-control-request-headers']);
    },

    /** The inspector's view of one webhook node: its last requests, newest first. */
    async requests(workflowId: string, nodeId: string) {
      return { items: deps.inspector ? await deps.inspector.list(workflowId, nodeId) : [], nextCursor: null };
    },

    /**
     * Starts a new execution (mode `replay`) from a recorded request, on the workflow's saved version.
     * A request that started an execution replays that execution's event exactly (the inspector keeps
     * only the head of large bodies); otherwise the recorded request is parsed again.
     */
    async replay(target: { workflowId: string; workflowVersion: number; nodeId: string }, requestId: string): Promise<{ executionId: string }> {
      const row = await deps.inspector?.get(target.workflowId, target.nodeId, requestId);
      if (!row) throw new AppError('NOT_FOUND', `request ${requestId} not found (the inspector keeps the last 50)`);
      let event = row.execution_id ? await originalEvent(row.execution_id, target.nodeId) : undefined;
      if (event === undefined) {
        if (row.body_truncated) throw new AppError('CONFLICT', 'this request’s body was larger than the inspector keeps, so it cannot be replayed');
        const headers = JSON.parse(row.headers) as Record<string, string>;
        const parsed = parseBody(headers, Buffer.from(row.body ?? '', 'utf8'));
        if (!parsed.ok) throw new AppError('VALIDATION_FAILED', 'the recorded body cannot be parsed, so it cannot be replayed');
        event = { method: row.method, path: row.path, headers, query: JSON.parse(row.query) as unknown, body: parsed.body, receivedAt: iso(row.received_at) };
      }
      const { executionId } = await deps.executions.start({
        workflowId: target.workflowId,
        workflowVersion: target.workflowVersion,
        triggerNodeId: target.nodeId,
        mode: 'replay',
        event,
      });
      return { executionId };
    },

    /** Derived fields for `workflow.triggers`: auth failures counted since the hook was created. */
    async triggerInfo(workflowId: string, nodeId: string): Promise<Partial<TriggerInfo>> {
      if (!deps.inspector) return {};
      const s = await deps.inspector.stats(workflowId, nodeId);
      return {
        authFailures: s.authFailures,
        ...(s.lastAuthFailureReason ? { lastError: `authentication failed: ${s.lastAuthFailureReason}`, lastErrorAt: s.lastAuthFailureAt } : {}),
      };
    },

    /** Hands buffered inspector lines to group commit (at shutdown, before the final flush). */
    flushLog(): Promise<void> {
      return deps.inspector?.flush() ?? Promise.resolve();
    },

    async listen(workflowId: string, nodeId: string): Promise<{ listeningUntil: string }> {
      const until = deps.clock.now() + LISTEN_MS;
      await deps.repo.listen(workflowId, nodeId, until);
      return { listeningUntil: new Date(until).toISOString() };
    },

    async sample(workflowId: string, nodeId: string) {
      const row = await deps.repo.sample(workflowId, nodeId);
      return {
        sample: row?.sample ? JSON.parse(row.sample) : null,
        capturedAt: row?.captured_at ? new Date(row.captured_at).toISOString() : null,
        listening: (row?.listening_until ?? 0) > deps.clock.now(),
      };
    },
  };

  /** Result mode: hold the request until the run ends or the timeout passes. */
  async function resultReply(executionId: string, timeoutMs: number): Promise<HookReply> {
    const waiting = deps.events.waitForFinal(executionId, timeoutMs);
    // It may already have finished before we started waiting (or, on redelivery, long ago).
    const now = await deps.executions.summary(executionId);
    const final = now && isFinalStatus(now.status) ? await deps.executions.final(executionId) : await waiting;
    if (!final) return pendingReply(executionId, deps.publicUrl());
    if (final.status === 'success') return { status: 200, executionId, body: final.lastOutput ?? null };
    return failedReply(executionId, final);
  }

  /**
   * Respond mode: hold the request until a Respond step succeeds (heard as a step event, from this
   * process or, on PostgreSQL, from the worker through the events bridge), the run ends without
   * one, or the timeout passes. The recorded step is the answer, so a redelivery gets it again.
   */
  async function respondModeReply(executionId: string, timeoutMs: number): Promise<HookReply> {
    const nodes = await deps.executions.respondNodes(executionId);
    const stop = new AbortController();
    const step = deps.events.waitForStep(executionId, (s) => s.status === 'success' && nodes.has(s.nodeId), timeoutMs, stop.signal);
    const final = deps.events.waitForFinal(executionId, timeoutMs, stop.signal);
    try {
      // Waiters first, then a read: it may have answered or ended before we started waiting (or, on redelivery, long ago).
      const now = await deps.executions.answer(executionId, nodes);
      if (now?.step) return respondReply(executionId, now.step);
      const ended = now && isFinalStatus(now.status) ? await deps.executions.final(executionId) : undefined;
      const first = ended ? { ended } : await Promise.race([step.then((s) => ({ step: s })), final.then((e) => ({ ended: e }))]);
      if ('step' in first && first.step) return respondReply(executionId, first.step);
      const end = 'ended' in first ? first.ended : undefined;
      if (end) {
        // The step event and the end may arrive together: the recorded answer wins over the fallback.
        const late = await deps.executions.answer(executionId, nodes);
        if (late?.step) return respondReply(executionId, late.step);
      }
      if (!end || end.status === 'success') return pendingReply(executionId, deps.publicUrl());
      return failedReply(executionId, end);
    } finally {
      stop.abort();
    }
  }

  /** The event an earlier execution started from, unless it was pruned or stored as a truncated preview. */
  async function originalEvent(executionId: string, nodeId: string): Promise<unknown> {
    const detail = await deps.executions.get(executionId).catch(() => undefined);
    const step = detail?.steps.find((s) => s.nodeId === nodeId);
    return step && !step.truncated ? step.output : undefined;
  }

}
export type WebhookService = ReturnType<typeof createWebhookService>;

/** The first redelivery key present (a loop, not map/find: this runs on every delivery). */
function idempotencyKey(headers: Record<string, string>): string | undefined {
  for (const h of IDEMPOTENCY_HEADERS) {
    const v = headers[h];
    if (v && v.length <= 500) return v;
  }
  return undefined;
}

function notFound(): HookReply {
  return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no active webhook at this URL' } } };
}

type Parsed = { ok: true; body: unknown } | { ok: false; reply: HookReply };

function parseBody(headers: Record<string, string>, raw: Buffer): Parsed {
  if (raw.length === 0) return { ok: true, body: null };
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const text = raw.toString('utf8');
  if (type === 'application/json' || type.endsWith('+json') || type === '') {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      if (type === '') return { ok: true, body: text }; // no declared type: keep it as text
      return { ok: false, reply: { status: 400, body: { error: { code: 'VALIDATION_FAILED', message: 'the body is not valid JSON' } } } };
    }
    // A body nested deeper than anything real would overflow the stack when the event is stored.
    if (exceedsDepth(body)) {
      return { ok: false, reply: { status: 400, body: { error: { code: 'VALIDATION_FAILED', message: `the body nests deeper than ${MAX_JSON_DEPTH} levels` } } } };
    }
    return { ok: true, body };
  }
  if (type === 'application/x-www-form-urlencoded') {
    // Own properties only, so a "__proto__" field is just a field.
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(text)) {
      const prev = Object.hasOwn(out, k) ? out[k] : undefined;
      Object.defineProperty(out, k, { value: prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v], enumerable: true, writable: true, configurable: true });
    }
    return { ok: true, body: out };
  }
  if (type.startsWith('text/') || type === 'application/xml') return { ok: true, body: text };
  return {
    ok: false,
    reply: { status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: `content type "${type}" is not accepted; send JSON, form-urlencoded or text` } } },
  };
}
