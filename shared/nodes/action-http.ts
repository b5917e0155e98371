/** `action.http`: one outbound HTTP request. */
import { z } from 'zod';
import { NodeFailure, RetryableError } from '../errors.ts';
import { defineNode, ok } from './define.ts';
import { HttpRequestConfig, httpRequestUi } from './http-request-config.ts';

export const httpAction = defineNode({
  type: 'action.http',
  title: 'HTTP Request',
  description: 'Call any HTTP API',
  category: 'action',
  icon: '↗',
  output: '{ status, headers, body, durationMs, request }',
  config: HttpRequestConfig.extend({ failOnStatus: z.boolean().default(true) }),
  ui: {
    ...httpRequestUi,
    failOnStatus: { label: 'Fail on 4xx/5xx', widget: 'switch', advanced: true },
  },
  async run({ config, http, credentials, signal }) {
    const auth = config.credentialId ? await credentials.headersFor(config.credentialId) : {};
    const res = await http.request({
      method: config.method,
      url: config.url,
      query: config.query,
      headers: { ...config.headers, ...auth },
      body: config.body,
      bodyType: config.bodyType,
      timeoutMs: config.timeoutMs,
      signal,
    });
    const request = sentRequest(config, Object.keys(auth));
    if (config.failOnStatus && res.status >= 400) {
      const details = { status: res.status, body: res.body, request };
      // 408/429/5xx are worth retrying (Retry-After honoured); any other 4xx will fail the same way again.
      throw res.status === 429 || res.status === 408 || res.status >= 500
        ? new RetryableError(`HTTP ${res.status}`, { retryAfterMs: res.retryAfterMs, code: 'HTTP_STATUS', details })
        : new NodeFailure(`HTTP ${res.status}`, { code: 'HTTP_STATUS', details });
    }
    return ok({ status: res.status, headers: res.headers, body: res.body, durationMs: res.durationMs, request });
  },
});

/**
 * The request as it was sent, for the execution view: templates already resolved (config is),
 * the query in the URL, and the credential's headers named but redacted (never stored).
 */
function sentRequest(config: { method: string; url: string; query?: Record<string, string>; headers?: Record<string, string>; body?: unknown }, credentialHeaders: string[]) {
  let url = config.url;
  try {
    const u = new URL(config.url);
    for (const [k, v] of Object.entries(config.query ?? {})) u.searchParams.append(k, v);
    url = u.toString();
  } catch {
    // the port refused it before sending; keep the URL as configured
  }
  const headers: Record<string, string> = { ...config.headers };
  for (const name of credentialHeaders) headers[name] = '[redacted]';
  return { method: config.method, url, headers, ...(config.body === undefined ? {} : { body: config.body }) };
}
