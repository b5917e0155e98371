/**
 * `action.respond`: answers the webhook request that started the run (trigger in `respond` mode)
 * while the workflow goes on. The node only shapes the answer and records it as its output; the
 * web process holding the request sends it as soon as this step succeeds (webhook.service.ts).
 */
import { z } from 'zod';
import { NodeFailure } from '../errors.ts';
import { defineNode, ok } from './define.ts';

export const RESPOND_TYPE = 'action.respond';

/**
 * Headers a workflow may not set: hop-by-hop and framing ones (the server frames the answer), and
 * `set-cookie`, because the hook is served from Switchyard's own origin: a workflow's cookie would
 * land beside the editor's session cookie (session fixation), so it is refused outright.
 */
const FORBIDDEN_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'set-cookie',
]);
export const isForbiddenResponseHeader = (name: string): boolean => FORBIDDEN_HEADERS.has(name.toLowerCase());

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

export type RespondOutput = { status: number; headers: Record<string, string>; bodyType: 'json' | 'text' | 'redirect'; body: unknown };

export const respondNode = defineNode({
  type: RESPOND_TYPE,
  title: 'Respond to webhook',
  description: 'Answer the webhook request now; the workflow goes on',
  category: 'action',
  icon: '↩',
  output: '{ status, headers, bodyType, body } as sent',
  config: z
    .object({
      /** Absent: 200, or 302 for a redirect. */
      status: z.number().int().min(200).max(599).optional(),
      headers: z.record(z.string(), z.string()).default({}),
      body: z.unknown().optional(),
      bodyType: z.enum(['json', 'text', 'redirect']).default('json'),
    })
    .superRefine((c, ctx) => {
      for (const [name, value] of Object.entries(c.headers)) {
        if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `"${name}" is not a valid header name` });
        else if (isForbiddenResponseHeader(name)) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `the "${name}" header cannot be set by a workflow` });
        if (/[\r\n\0]/.test(value)) ctx.addIssue({ code: 'custom', path: ['headers', name], message: 'a header value cannot hold line breaks' });
      }
      if (c.bodyType === 'redirect') {
        if (c.status !== undefined && !REDIRECT_STATUSES.includes(c.status)) {
          ctx.addIssue({ code: 'custom', path: ['status'], message: `a redirect's status is one of ${REDIRECT_STATUSES.join(', ')}` });
        }
        if (typeof c.body !== 'string' || !isHttpUrl(c.body)) ctx.addIssue({ code: 'custom', path: ['body'], message: 'a redirect needs an http(s) URL as its body' });
      } else if (c.bodyType === 'text' && c.body !== undefined && typeof c.body !== 'string' && typeof c.body !== 'number' && typeof c.body !== 'boolean') {
        ctx.addIssue({ code: 'custom', path: ['body'], message: 'a text body is a string' });
      }
    }),
  ui: {
    status: { label: 'Status', widget: 'number', placeholder: '200 (302 for a redirect)' },
    bodyType: {
      label: 'Body type',
      widget: 'select',
      options: [
        { value: 'json', label: 'JSON' },
        { value: 'text', label: 'Text' },
        { value: 'redirect', label: 'Redirect' },
      ],
    },
    body: { label: 'Body', widget: 'json', help: 'JSON, text, or for a redirect the http(s) URL; any string may hold {{ expressions }}' },
    headers: { label: 'Headers', widget: 'keyValue', advanced: true, help: 'Not hop-by-hop headers, Content-Length or Set-Cookie' },
  },
  async run({ config }) {
    const headers: Record<string, string> = { ...config.headers };
    let body: unknown = config.body ?? null;
    if (config.bodyType === 'redirect') {
      // The schema checked it; checked again so no config path can send a non-http(s) Location.
      if (typeof body !== 'string' || !isHttpUrl(body)) throw new NodeFailure('a redirect needs an http(s) URL as its body', { code: 'CONFIG_INVALID' });
      for (const k of Object.keys(headers)) if (k.toLowerCase() === 'location') delete headers[k];
      headers.Location = body;
      body = null;
    } else if (config.bodyType === 'text') {
      body = body === null ? '' : String(body);
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'text/plain; charset=utf-8';
    }
    const status = config.status ?? (config.bodyType === 'redirect' ? 302 : 200);
    const out: RespondOutput = { status, headers, bodyType: config.bodyType, body };
    return ok(out);
  },
});

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
