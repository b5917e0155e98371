/** `trigger.poll`: polls an HTTP API and starts one run per new item. */
import { z } from 'zod';
import { NodeFailure, RetryableError } from '../errors.ts';
import { defineTrigger } from './define.ts';
import { HttpRequestConfig, httpRequestUi } from './http-request-config.ts';
import { itemKey, listedItems, usableKey } from './poll-items.ts';

export const pollTrigger = defineTrigger({
  type: 'trigger.poll',
  title: 'Poll an API',
  description: 'Check an API on an interval; start one run per new item',
  category: 'trigger',
  icon: '⟳',
  output: '{ item, polledAt }',
  config: z.object({
    request: HttpRequestConfig.omit({ body: true, bodyType: true }).extend({ method: z.enum(['GET', 'POST']).default('GET') }),
    intervalSeconds: z.number().int().min(10).max(7 * 24 * 3600).default(300),
    items: z.string().min(1).default('body'),
    key: z.string().min(1).default('id'),
    fireOnFirstPoll: z.boolean().default(false),
  }),
  ui: {
    request: { label: 'Request', widget: 'object', help: `URL, headers, query; ${httpRequestUi.url.placeholder}` },
    intervalSeconds: { label: 'Every (seconds)', widget: 'number', help: 'At least 10' },
    items: { label: 'Items (JSONata)', widget: 'expression', syntax: 'jsonata', help: 'Path to the array of items in the response, e.g. body.data' },
    key: { label: 'Item key (JSONata)', widget: 'expression', syntax: 'jsonata', help: 'A unique id per item, e.g. id' },
    fireOnFirstPoll: { label: 'Run for items already there on the first poll', widget: 'switch', advanced: true },
  },
  activation: { kind: 'poll', everySeconds: (c) => c.intervalSeconds },

  /** One request (conditional when validators are known), then the items and their keys. */
  async poll({ config, http, credentials, evaluate, signal, etag, lastModified }) {
    const { request } = config;
    const auth = request.credentialId ? await credentials.headersFor(request.credentialId) : {};
    const headers: Record<string, string> = { ...request.headers, ...auth };
    if (etag) headers['If-None-Match'] = etag;
    if (lastModified) headers['If-Modified-Since'] = lastModified;
    const res = await http.request({
      method: request.method,
      url: request.url,
      query: request.query,
      headers,
      timeoutMs: request.timeoutMs,
      signal,
    });
    const validators = {
      ...(res.headers['etag'] ? { etag: res.headers['etag'] } : {}),
      ...(res.headers['last-modified'] ? { lastModified: res.headers['last-modified'] } : {}),
    };
    if (res.status === 304) return { notModified: true, status: 304, ...validators };
    if (res.status >= 400) {
      const details = { status: res.status, body: res.body };
      throw res.status === 429 || res.status === 408 || res.status >= 500
        ? new RetryableError(`HTTP ${res.status}`, { retryAfterMs: res.retryAfterMs, code: 'HTTP_STATUS', details })
        : new NodeFailure(`HTTP ${res.status}`, { code: 'HTTP_STATUS', details });
    }
    const response = { status: res.status, headers: res.headers, body: res.body };
    // JSONata collapses a one-element sequence to the element itself: listedItems wraps it back.
    const { items: listed, found } = listedItems(await evaluate(config.items, response));
    const items = [];
    for (const item of listed) {
      const key = usableKey(await evaluate(config.key, item));
      items.push(key === null ? { key: itemKey(undefined, item), item, keyed: false } : { key, item, keyed: true });
    }
    return { status: res.status, items, found, response, ...validators };
  },
});
