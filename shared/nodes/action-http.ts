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
  output: '{ status, headers, body, durationMs }',
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
    if (config.failOnStatus && res.status >= 400) {
      const details = { status: res.status, body: res.body };
      // 408/429/5xx are worth retrying (Retry-After honoured); any other 4xx will fail the same way again.
      throw res.status === 429 || res.status === 408 || res.status >= 500
        ? new RetryableError(`HTTP ${res.status}`, { retryAfterMs: res.retryAfterMs, code: 'HTTP_STATUS', details })
        : new NodeFailure(`HTTP ${res.status}`, { code: 'HTTP_STATUS', details });
    }
    return ok({ status: res.status, headers: res.headers, body: res.body, durationMs: res.durationMs });
  },
});
