/** Turns an `HttpRequest` into what goes on the wire: the URL with its query, lower-case headers, the body bytes. */
import { NodeFailure } from '#shared/errors.ts';
import type { HttpRequest } from '#shared/nodes/define.ts';

/** Caller headers undici owns or refuses (framing and connection management); sending them would break the request. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect', 'te']);

/** The URL to send, with `query` merged in (a key in `query` replaces the same key already in the URL). */
export function buildUrl(raw: string, query: Record<string, string> | undefined): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new NodeFailure(`invalid URL: ${raw}`, { code: 'CONFIG_INVALID', details: { url: raw }, cause });
  }
  assertHttpProtocol(url);
  // Touching searchParams re-serialises the whole query string, so leave it alone when there is nothing to merge.
  if (query !== undefined) for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url;
}

export function assertHttpProtocol(url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodeFailure(`unsupported protocol ${url.protocol} (only http and https)`, {
      code: 'CONFIG_INVALID',
      details: { url: url.href },
    });
  }
}

/** Lower-case request headers plus the encoded body (undefined when nothing is sent). */
export function encodeRequest(req: HttpRequest, userAgent: string): { headers: Record<string, string>; body: string | undefined } {
  // A null prototype, so a header called "__proto__" stays a header.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    const key = name.toLowerCase();
    // Values come out of expressions, so a number can arrive despite the type.
    if (!RESERVED_HEADERS.has(key)) headers[key] = String(value);
  }
  headers['user-agent'] ??= userAgent;
  // Automation mostly talks JSON; say so, so content-negotiating APIs do not default to XML or HTML.
  headers['accept'] ??= 'application/json, text/plain;q=0.9, */*;q=0.8';
  headers['accept-encoding'] ??= 'gzip, deflate, br';

  const body = encodeBody(req);
  if (body !== undefined) headers['content-type'] ??= body.contentType;
  return { headers, body: body?.text };
}

function encodeBody(req: HttpRequest): { text: string; contentType: string } | undefined {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  const { body } = req;
  // An empty body field in the editor arrives as undefined or null; neither means "send the JSON null".
  if (body === undefined || body === null) return undefined;
  switch (req.bodyType ?? 'json') {
    case 'none':
      return undefined;
    case 'text':
      return { text: String(body), contentType: 'text/plain; charset=utf-8' };
    case 'form':
      return { text: typeof body === 'string' ? body : formEncode(body), contentType: 'application/x-www-form-urlencoded' };
    case 'json':
      return { text: typeof body === 'string' ? body : jsonEncode(body), contentType: 'application/json' };
  }
}

function jsonEncode(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (cause) {
    throw new NodeFailure('the body cannot be sent as JSON', { code: 'CONFIG_INVALID', cause });
  }
}

function formEncode(body: unknown): string {
  if (typeof body !== 'object' || body === null) return String(body);
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined) continue;
      form.append(key, item === null ? '' : typeof item === 'object' ? JSON.stringify(item) : String(item));
    }
  }
  return form.toString();
}
