/**
 * The real `HttpPort`: outbound HTTP over keep-alive undici Pools, with a deadline, a response size cap,
 * redirects followed by hand so every hop meets the SSRF guard (SPEC: `action.http`, `OUTBOUND_BLOCK_PRIVATE`).
 */
import type { LookupFunction } from 'node:net';
import { NodeFailure } from '#shared/errors.ts';
import type { HttpMethod, HttpPort, HttpRequest, HttpResponse } from '#shared/nodes/define.ts';
import { createGuardedConnector } from './http/address-guard.ts';
import { RequestDeadline } from './http/deadline.ts';
import { createPoolRegistry } from './http/pools.ts';
import { assertHttpProtocol, buildUrl, encodeRequest } from './http/request-encoding.ts';
import { flattenHeaders, parseBody, parseRetryAfter, readBody } from './http/response-decoding.ts';
import { toPortError } from './http/transport-errors.ts';

export { isBlockedAddress } from './http/address-guard.ts';
export { createResolverLookup } from './http/resolver-lookup.ts';
export { parseRetryAfter } from './http/response-decoding.ts';

export type HttpClientOptions = {
  /** `OUTBOUND_BLOCK_PRIVATE`: also refuse loopback and private ranges (link-local and metadata always are). */
  blockPrivate: boolean;
  /** Bodies past this are cut and marked `truncated`. Default 10 MiB. */
  maxResponseBytes?: number;
  /** Redirect hops followed before failing with TOO_MANY_REDIRECTS. 0 returns the 3xx as is. Default 5. */
  maxRedirects?: number;
  /** DNS lookup in `dns.lookup`'s callback shape (e.g. `createResolverLookup`); default the system resolver. */
  lookup?: LookupFunction;
  userAgent?: string;
};

export type HttpClient = HttpPort & { close(): Promise<void> };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Never carried to another origin, as fetch does: a redirect must not hand credentials to a third party. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
/** Headers about the request body, dropped along with it when a 301/302/303 becomes a GET. */
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location'];
const EMPTY = Buffer.alloc(0);

/**
 * Builds the outbound HTTP client the engine hands to nodes as `ctx.http`. One per process: it pools
 * keep-alive sockets per origin. Rejects with `RetryableError` (TIMEOUT, NETWORK) or `NodeFailure`
 * (ADDRESS_BLOCKED, CONFIG_INVALID, TOO_MANY_REDIRECTS, REDIRECT_INVALID, TLS_INVALID); a caller abort
 * rejects with the signal's reason.
 * @example const http = createHttpClient({ blockPrivate: config.OUTBOUND_BLOCK_PRIVATE })
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { blockPrivate } = options;
  const maxResponseBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 5;
  const userAgent = options.userAgent ?? 'Switchyard/0.1';
  const pools = createPoolRegistry({ connect: createGuardedConnector({ blockPrivate, lookup: options.lookup }) });

  async function send(req: HttpRequest, deadline: RequestDeadline, hop: { url: URL }): Promise<HttpResponse> {
    const started = performance.now();
    let method: HttpMethod = req.method;
    let { headers, body } = encodeRequest(req, userAgent);
    if (hop.url.username !== '' || hop.url.password !== '') {
      const user = `${percentDecode(hop.url.username)}:${percentDecode(hop.url.password)}`;
      headers['authorization'] ??= `Basic ${Buffer.from(user).toString('base64')}`;
    }

    for (let redirects = 0; ; redirects++) {
      // No address check here: the Pool's connector refuses a blocked address before any socket exists.
      const url = hop.url;
      const res = await pools.get(url.origin).request({
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        body: body ?? null,
        signal: deadline,
      });

      const location = REDIRECT_STATUSES.has(res.statusCode) && maxRedirects > 0 ? firstValue(res.headers.location) : undefined;
      if (location !== undefined) {
        // Reading the (small) redirect body to its end is what lets the socket go back to the pool.
        await res.body.dump();
        if (redirects >= maxRedirects) {
          throw new NodeFailure(`more than ${maxRedirects} redirects`, { code: 'TOO_MANY_REDIRECTS', details: { url: publicUrl(url) } });
        }
        const next = resolveRedirect(location, url);
        if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
        if (res.statusCode <= 303 && method !== 'HEAD') {
          method = 'GET';
          body = undefined;
          for (const name of BODY_HEADERS) delete headers[name];
        }
        hop.url = next;
        continue;
      }

      const responseHeaders = flattenHeaders(res.headers);
      const hasBody = method !== 'HEAD' && res.statusCode !== 204 && res.statusCode !== 304;
      let read: { bytes: Buffer; truncated: boolean } = { bytes: EMPTY, truncated: false };
      if (hasBody) read = await readBody(res.body, responseHeaders, maxResponseBytes);
      else await res.body.dump();

      const response: HttpResponse = {
        status: res.statusCode,
        headers: responseHeaders,
        body: parseBody(read.bytes, responseHeaders['content-type']),
        durationMs: Math.round(performance.now() - started),
      };
      const retryAfterMs = parseRetryAfter(responseHeaders['retry-after']);
      if (retryAfterMs !== undefined) response.retryAfterMs = retryAfterMs;
      if (read.truncated) response.truncated = true;
      return response;
    }
  }

  return {
    async request(req) {
      const timeoutMs = req.timeoutMs ?? 30_000;
      const hop = { url: buildUrl(req.url, req.query) };
      const deadline = new RequestDeadline(timeoutMs, req.signal);
      try {
        return await send(req, deadline, hop);
      } catch (err) {
        throw toPortError(err, { url: publicUrl(hop.url), timeoutMs, timedOut: deadline.timedOut, callerSignal: req.signal });
      } finally {
        deadline.dispose();
      }
    },
    close: () => pools.close(),
  };
}

function resolveRedirect(location: string, base: URL): URL {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch (cause) {
    throw new NodeFailure(`invalid redirect location: ${location}`, { code: 'REDIRECT_INVALID', cause });
  }
  try {
    assertHttpProtocol(next);
  } catch (cause) {
    throw new NodeFailure(`redirect to unsupported protocol ${next.protocol}`, { code: 'REDIRECT_INVALID', cause });
  }
  return next;
}

/** Userinfo as typed: a stray "%" that is not an escape is kept literally rather than failing the request. */
function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The URL as it may appear in error messages: query strings and userinfo often hold secrets. */
function publicUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
