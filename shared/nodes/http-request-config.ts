/** The request config shared by `action.http` and `trigger.poll`. */
import { z } from 'zod';
import type { UiHints } from './define.ts';

export const HttpMethodSchema = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

export const HttpRequestConfig = z.object({
  method: HttpMethodSchema.default('GET'),
  url: z.string().min(1, 'a URL is required').refine((u) => /^https?:\/\//i.test(u) || u.includes('{{'), 'must start with http:// or https://'),
  query: z.record(z.string(), z.string()).default({}),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
  bodyType: z.enum(['json', 'form', 'text', 'none']).default('json'),
  credentialId: z.string().optional(),
  timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
});
export type HttpRequestConfig = z.infer<typeof HttpRequestConfig>;

export const httpRequestUi: UiHints<HttpRequestConfig> = {
  method: {
    label: 'Method',
    widget: 'select',
    options: HttpMethodSchema.options.map((m) => ({ value: m, label: m })),
  },
  url: { label: 'URL', widget: 'expression', placeholder: 'https://api.example.com/items' },
  query: { label: 'Query parameters', widget: 'keyValue' },
  headers: { label: 'Headers', widget: 'keyValue' },
  body: { label: 'Body', widget: 'json', help: 'JSON; any string may hold {{ expressions }}' },
  bodyType: {
    label: 'Body type',
    widget: 'select',
    options: [
      { value: 'json', label: 'JSON' },
      { value: 'form', label: 'Form (urlencoded)' },
      { value: 'text', label: 'Text' },
      { value: 'none', label: 'None' },
    ],
    advanced: true,
  },
  credentialId: { label: 'Credential', widget: 'credential', credentialTypes: ['httpBearer', 'httpBasic', 'httpHeader'] },
  timeoutMs: { label: 'Timeout (ms)', widget: 'number', advanced: true },
};
