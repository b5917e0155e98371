/** `trigger.webhook`: an inbound HTTP request on the hook's unguessable URL starts a run. */
import { z } from 'zod';
import { defineTrigger } from './define.ts';

export const WebhookMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export const HmacPreset = z.enum(['github', 'stripe', 'standard-webhooks', 'slack', 'custom']);

export const WebhookAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('header'), name: z.string().min(1), credentialId: z.string().min(1) }),
  z.object({ type: z.literal('basic'), credentialId: z.string().min(1) }),
  z.object({
    type: z.literal('hmac'),
    preset: HmacPreset,
    credentialId: z.string().min(1),
    header: z.string().optional(),
    algorithm: z.enum(['sha1', 'sha256', 'sha512']).optional(),
    encoding: z.enum(['hex', 'base64']).optional(),
    prefix: z.string().optional(),
  }),
]);
export type WebhookAuth = z.infer<typeof WebhookAuth>;

export const WebhookResponse = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('ack') }),
  z.object({ mode: z.literal('result'), timeoutMs: z.number().int().min(100).max(120_000).default(30_000) }),
  /** An `action.respond` node answers; without one before the timeout or the run's end, as `result` falls back. */
  z.object({ mode: z.literal('respond'), timeoutMs: z.number().int().min(100).max(120_000).default(30_000) }),
]);

/** Optional per-hook throttle: more than `requests` within `perSeconds` answers 429 with Retry-After. */
export const WebhookRateLimit = z.object({
  requests: z.number().int().min(1).max(1_000_000),
  perSeconds: z.number().int().min(1).max(86_400),
});

/** Browser origins allowed to call the hook (`*` for any); preflight requests are answered for them. */
export const WebhookCors = z.object({
  origins: z.array(z.string().regex(/^(\*|https?:\/\/[^/\s?#]+)$/, 'an origin such as https://app.example.com, or *')).min(1).max(50),
});

export const webhookTrigger = defineTrigger({
  type: 'trigger.webhook',
  title: 'Webhook',
  description: 'Start when an HTTP request arrives at this workflow’s URL',
  category: 'trigger',
  icon: '⚡',
  output: '{ method, path, headers, query, body, receivedAt }',
  config: z.object({
    methods: z.array(WebhookMethod).min(1).default(['POST']),
    auth: WebhookAuth.default({ type: 'none' }),
    response: WebhookResponse.default({ mode: 'ack' }),
    rateLimit: WebhookRateLimit.optional(),
    cors: WebhookCors.optional(),
    /** Assigned by the server; never chosen by the user. */
    token: z.string().optional(),
  }),
  ui: {
    methods: {
      label: 'HTTP methods',
      widget: 'multiselect',
      options: WebhookMethod.options.map((m) => ({ value: m, label: m })),
    },
    auth: { label: 'Authentication', widget: 'object', advanced: true },
    response: { label: 'Response', widget: 'object', advanced: true },
    rateLimit: { label: 'Rate limit', widget: 'object', advanced: true, help: 'Answer 429 with Retry-After above this many requests per window' },
    cors: { label: 'Allowed browser origins (CORS)', widget: 'object', advanced: true, help: 'Only needed when a web page calls this hook directly' },
    token: { label: 'Token', widget: 'text', hidden: true, readOnly: true },
  },
  activation: { kind: 'webhook' },
});
