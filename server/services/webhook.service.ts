/**
 * Inbound webhooks: token → hook (cached), method and size checks, body parsing, the durable
 * ingest (execution + trigger step fsync'd before the answer), redelivery dedupe, result mode,
 * and capture of a test event for the editor. Knows nothing of req/res: hooks.handler does that.
 */
import { z } from 'zod';
import { webhookTrigger, type WebhookAuth } from '#shared/nodes/trigger-webhook.ts';
import { WorkflowNode } from '#shared/workflow.ts';
import type { HookRepo } from '../db/repos/hook.repo.ts';
import type { EngineEvents } from '../engine/events.ts';
import type { Clock } from '../lib/clock.ts';
import type { ExecutionService } from './execution.service.ts';

export type WebhookConfig = z.output<typeof webhookTrigger.config>;
export type Hook = { token: string; workflowId: string; nodeId: string; active: boolean; version: number; config: WebhookConfig };

export type InboundRequest = {
  token: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  rawBody: Buffer;
};

export type HookReply = { status: number; body: unknown; headers?: Record<string, string> };

/** Checks a request's credentials (issue 6 plugs signatures in here); returns a reason code when refused. */
export type HookAuthenticator = (auth: WebhookAuth, req: InboundRequest, hook: Hook) => Promise<string | null>;

export const IDEMPOTENCY_WINDOW_MS = 72 * 3600_000;
const IDEMPOTENCY_HEADERS = ['idempotency-key', 'webhook-id', 'x-github-delivery'];
const MASKED_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const LISTEN_MS = 120_000;

const Nodes = z.array(WorkflowNode);

export function createWebhookService(deps: {
  repo: HookRepo;
  executions: ExecutionService;
  events: EngineEvents;
  clock: Clock;
  publicUrl: () => string;
  authenticate?: HookAuthenticator;
}) {
  const cache = new Map<string, Hook | null>();

  async function resolve(token: string): Promise<Hook | null> {
    const hit = cache.get(token);
    if (hit !== undefined) return hit;
    const row = await deps.repo.byToken(token);
    let hook: Hook | null = null;
    if (row) {
      const node = Nodes.parse(JSON.parse(row.nodes)).find((n) => n.id === row.nodeId);
      const parsed = node && webhookTrigger.config.safeParse(node.config);
      if (parsed?.success) hook = { token, workflowId: row.workflowId, nodeId: row.nodeId, active: row.active, version: row.version, config: parsed.data };
    }
    // Unknown tokens are not cached: a flood of random tokens must not grow memory.
    if (hook) cache.set(token, hook);
    return hook;
  }

  function parseBody(req: InboundRequest): { ok: true; body: unknown } | { ok: false; reply: HookReply } {
    const raw = req.rawBody;
    if (raw.length === 0) return { ok: true, body: null };
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const text = raw.toString('utf8');
    if (type === 'application/json' || type.endsWith('+json') || type === '') {
      try {
        return { ok: true, body: JSON.parse(text) };
      } catch {
        if (type === '') return { ok: true, body: text }; // no declared type: keep it as text
        return { ok: false, reply: { status: 400, body: { error: { code: 'VALIDATION_FAILED', message: 'the body is not valid JSON' } } } };
      }
    }
    if (type === 'application/x-www-form-urlencoded') {
      // Object.fromEntries defines own properties, so a "__proto__" field is just a field.
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

  function toEvent(req: InboundRequest, body: unknown, hook: Hook) {
    const headers: Record<string, string> = {};
    const authHeader = hook.config.auth.type === 'header' ? hook.config.auth.name.toLowerCase() : undefined;
    for (const [k, v] of Object.entries(req.headers)) headers[k] = MASKED_HEADERS.has(k) || k === authHeader ? '[redacted]' : v;
    return { method: req.method, path: req.path, headers, query: req.query, body, receivedAt: new Date(deps.clock.now()).toISOString() };
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
      const sample = hook.active ? undefined : await deps.repo.sample(hook.workflowId, hook.nodeId);
      const listening = !hook.active && (sample?.listening_until ?? 0) > deps.clock.now();
      if (!hook.active && !listening) return notFound();
      if (!hook.config.methods.includes(req.method as WebhookConfig['methods'][number])) {
        return {
          status: 405,
          headers: { Allow: hook.config.methods.join(', ') },
          body: { error: { code: 'METHOD_NOT_ALLOWED', message: `this hook accepts ${hook.config.methods.join(', ')}` } },
        };
      }
      if (hook.config.auth.type !== 'none') {
        const reason = deps.authenticate ? await deps.authenticate(hook.config.auth, req, hook) : 'auth_not_supported';
        if (reason) return { status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'authentication failed', details: { reason } } } };
      }
      const parsed = parseBody(req);
      if (!parsed.ok) return parsed.reply;
      const event = toEvent(req, parsed.body, hook);

      if (listening) {
        await deps.repo.saveSample(hook.workflowId, hook.nodeId, JSON.stringify(event), deps.clock.now());
        return { status: 200, body: { captured: true, message: 'test event captured; the workflow is not active, so nothing ran' } };
      }
      // An active hook still feeds "listen for test event" if the editor asked for it.
      const key = IDEMPOTENCY_HEADERS.map((h) => req.headers[h]).find((v) => v && v.length <= 500);
      const { executionId, duplicate } = await deps.executions.start({
        workflowId: hook.workflowId,
        workflowVersion: hook.version,
        triggerNodeId: hook.nodeId,
        mode: 'webhook',
        event,
        ...(key ? { idempotency: { token: hook.token, key, since: deps.clock.now() - IDEMPOTENCY_WINDOW_MS } } : {}),
      });
      const statusUrl = `${deps.publicUrl()}/api/executions/${executionId}`;
      if (hook.config.response.mode === 'result' && !duplicate) return resultReply(executionId, hook.config.response.timeoutMs, statusUrl);
      return { status: 202, body: duplicate ? { executionId, duplicate: true } : { executionId } };
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
  async function resultReply(executionId: string, timeoutMs: number, statusUrl: string): Promise<HookReply> {
    const waiting = deps.events.waitForFinal(executionId, timeoutMs);
    // It may already have finished before we started waiting.
    const now = deps.executions.summary(executionId);
    const final = now && (now.status === 'success' || now.status === 'error') ? await finalFromStore(executionId) : await waiting;
    if (!final) return { status: 202, body: { executionId, statusUrl } };
    if (final.status === 'success') return { status: 200, body: final.lastOutput ?? null };
    return { status: 500, body: { executionId, error: { code: final.error?.code ?? 'EXECUTION_FAILED', message: final.error?.message ?? 'the execution failed' } } };
  }

  async function finalFromStore(executionId: string) {
    const detail = await deps.executions.get(executionId);
    const last = [...detail.steps].reverse().find((s) => s.status === 'success' || s.status === 'error');
    return { status: detail.status, error: detail.error, lastOutput: last?.output };
  }
}
export type WebhookService = ReturnType<typeof createWebhookService>;

function notFound(): HookReply {
  return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no active webhook at this URL' } } };
}
