/** The HTTP client against real node:http servers on loopback (blockPrivate off, since loopback is all there is). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NodeFailure, RetryableError } from '#shared/errors.ts';
import { createHttpClient, parseRetryAfter, type HttpClient } from './http-client.ts';

type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
type TestServer = { origin: string; seen: Seen[]; connections: () => number; close: () => Promise<void> };

const servers: TestServer[] = [];
const clients: HttpClient[] = [];

/** A loopback server that records every request; `handle` answers (default: 200 "ok"). */
async function startServer(handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void = (_q, res) => res.end('ok')): Promise<TestServer> {
  const seen: Seen[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handle(req, res, body);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle_: TestServer = {
    origin: `http://127.0.0.1:${port}`,
    seen,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(handle_);
  return handle_;
}

function client(options: Partial<Parameters<typeof createHttpClient>[0]> = {}): HttpClient {
  const c = createHttpClient({ blockPrivate: false, ...options });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('request bodies', () => {
  it('sends JSON with a content type, a string as is, and keeps a caller content type', async () => {
    const s = await startServer();
    const http_ = client();
    await http_.request({ method: 'POST', url: s.origin, body: { a: 1, b: ['x'] }, bodyType: 'json' });
    await http_.request({ method: 'PUT', url: s.origin, body: '{"raw":true}' });
    await http_.request({ method: 'POST', url: s.origin, body: { a: 1 }, headers: { 'Content-Type': 'application/vnd.api+json' } });
    expect(s.seen.map((r) => [r.method, r.headers['content-type'], r.body])).toEqual([
      ['POST', 'application/json', '{"a":1,"b":["x"]}'],
      ['PUT', 'application/json', '{"raw":true}'],
      ['POST', 'application/vnd.api+json', '{"a":1}'],
    ]);
  });

  it('sends form, text and none', async () => {
    const s = await startServer();
    const http_ = client();
    await http_.request({ method: 'POST', url: s.origin, bodyType: 'form', body: { a: 'x y', n: 2, list: [1, 2], skip: undefined } });
    await http_.request({ method: 'POST', url: s.origin, bodyType: 'text', body: 42 });
    await http_.request({ method: 'POST', url: s.origin, bodyType: 'none', body: { ignored: true } });
    expect(s.seen.map((r) => [r.headers['content-type'], r.body])).toEqual([
      ['application/x-www-form-urlencoded', 'a=x+y&n=2&list=1&list=2'],
      ['text/plain; charset=utf-8', '42'],
      [undefined, ''],
    ]);
  });

  it('never sends a body with GET or HEAD', async () => {
    const s = await startServer();
    const http_ = client();
    await http_.request({ method: 'GET', url: s.origin, body: { a: 1 } });
    await http_.request({ method: 'HEAD', url: s.origin, body: 'x', bodyType: 'text' });
    for (const r of s.seen) {
      expect(r.body).toBe('');
      expect(r.headers['content-type']).toBeUndefined();
      expect(r.headers['content-length']).toBeUndefined();
    }
  });

  it('turns credentials in the URL into Basic auth instead of sending them in the request line', async () => {
    const s = await startServer();
    await client().request({ method: 'GET', url: s.origin.replace('http://', 'http://user:p%40ss@') + '/private' });
    expect(s.seen[0]!.url).toBe('/private');
    expect(s.seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
  });

  it('merges query parameters into the URL, the query winning over the same key', async () => {
    const s = await startServer();
    await client().request({ method: 'GET', url: `${s.origin}/items?x=1&a=old`, query: { a: 'new', b: 'c d&e' } });
    const url = new URL(s.seen[0]!.url, s.origin);
    expect(url.pathname).toBe('/items');
    expect(Object.fromEntries(url.searchParams)).toEqual({ x: '1', a: 'new', b: 'c d&e' });
  });

  it('sends a default user agent and the caller headers', async () => {
    const s = await startServer();
    await client({ userAgent: 'test-agent/1' }).request({ method: 'GET', url: s.origin, headers: { 'Idempotency-Key': 'ex_1.crm' } });
    expect(s.seen[0]!.headers['user-agent']).toBe('test-agent/1');
    expect(s.seen[0]!.headers['idempotency-key']).toBe('ex_1.crm');
  });
});

describe('responses', () => {
  it('parses JSON by content type, falls back to text, and flattens headers', async () => {
    const s = await startServer((req, res) => {
      if (req.url === '/json') res.setHeader('content-type', 'application/problem+json; charset=utf-8');
      if (req.url === '/broken') res.setHeader('content-type', 'application/json');
      if (req.url === '/text') res.setHeader('content-type', 'text/plain');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.setHeader('X-Custom', 'Yes');
      res.statusCode = req.url === '/json' ? 422 : 200;
      res.end(req.url === '/json' ? '{"title":"bad","n":[1]}' : req.url === '/broken' ? '<html>oops' : '{"not":"parsed"}');
    });
    const http_ = client();
    const json = await http_.request({ method: 'GET', url: `${s.origin}/json` });
    expect(json.status).toBe(422);
    expect(json.body).toEqual({ title: 'bad', n: [1] });
    expect(json.headers['set-cookie']).toBe('a=1, b=2');
    expect(json.headers['x-custom']).toBe('Yes');
    expect(Object.keys(json.headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(json.durationMs).toBeGreaterThanOrEqual(0);
    expect(json.truncated).toBeUndefined();
    expect((await http_.request({ method: 'GET', url: `${s.origin}/broken` })).body).toBe('<html>oops');
    expect((await http_.request({ method: 'GET', url: `${s.origin}/text` })).body).toBe('{"not":"parsed"}');
  });

  it('decodes gzip bodies and returns HEAD with an empty body', async () => {
    const s = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync('{"zipped":true}'));
    });
    const http_ = client();
    expect((await http_.request({ method: 'GET', url: s.origin })).body).toEqual({ zipped: true });
    expect((await http_.request({ method: 'HEAD', url: s.origin })).body).toBe('');
  });

  it('cuts a body past maxResponseBytes, marks it truncated and stops reading', async () => {
    let serverSawClose = false;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    // An endless body: only a client that stops reading ever gets an answer.
    const s = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => (serverSawClose = true));
      pump();
    });
    const res = await client({ maxResponseBytes: 100_000 }).request({ method: 'GET', url: s.origin });
    expect(res.truncated).toBe(true);
    expect(res.body).toBe('a'.repeat(100_000));
    await expect.poll(() => serverSawClose).toBe(true);
  });

  it('applies the cap to the decompressed size (a gzip bomb stays bounded)', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024));
    const s = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const res = await client({ maxResponseBytes: 1024 * 1024 }).request({ method: 'GET', url: s.origin });
    expect(res.truncated).toBe(true);
    expect((res.body as string).length).toBe(1024 * 1024);
  });

  it('keeps a body of exactly maxResponseBytes whole', async () => {
    const s = await startServer((_req, res) => res.end('x'.repeat(1000)));
    const res = await client({ maxResponseBytes: 1000 }).request({ method: 'GET', url: s.origin });
    expect(res.truncated).toBeUndefined();
    expect(res.body).toBe('x'.repeat(1000));
  });

  it('reads Retry-After as delta-seconds or an HTTP-date, capped at an hour, ignoring garbage', async () => {
    const values: Record<string, string> = {
      '/delta': '120',
      '/date': new Date(Date.now() + 90_000).toUTCString(),
      '/past': new Date(Date.now() - 90_000).toUTCString(),
      '/huge': '86400',
      '/garbage': 'soon-ish',
    };
    const s = await startServer((req, res) => {
      res.writeHead(503, { 'retry-after': values[req.url ?? ''] ?? '' });
      res.end();
    });
    const http_ = client();
    const after = async (path: string) => (await http_.request({ method: 'GET', url: `${s.origin}${path}` })).retryAfterMs;
    expect(await after('/delta')).toBe(120_000);
    const fromDate = await after('/date');
    // HTTP-dates have one-second resolution, and the request itself takes a moment.
    expect(fromDate).toBeGreaterThan(87_000);
    expect(fromDate).toBeLessThanOrEqual(90_000);
    expect(await after('/past')).toBe(0);
    expect(await after('/huge')).toBe(3_600_000);
    expect(await after('/garbage')).toBeUndefined();
  });
});

describe('failures', () => {
  it('times out with RetryableError TIMEOUT', async () => {
    const s = await startServer(() => {
      /* never answers */
    });
    const started = performance.now();
    const err = await client().request({ method: 'GET', url: s.origin, timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'TIMEOUT' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('times out while the body trickles in, not only while waiting for headers', async () => {
    const s = await startServer((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(timer));
    });
    const err = await client().request({ method: 'GET', url: s.origin, timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RetryableError', code: 'TIMEOUT' });
  });

  it("rejects with the caller's abort reason when the caller's signal fires", async () => {
    const s = await startServer(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const reason = new Error('execution canceled');
    setTimeout(() => controller.abort(reason), 50);
    await expect(client().request({ method: 'GET', url: s.origin, signal: controller.signal })).rejects.toBe(reason);
  });

  it('maps a refused connection to RetryableError NETWORK with the cause', async () => {
    const s = await startServer();
    const origin = s.origin;
    await s.close();
    const err = await client().request({ method: 'GET', url: origin }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'NETWORK', details: { code: 'ECONNREFUSED' } });
    expect((err as Error).cause).toBeDefined();
  });

  it('maps a DNS failure to RetryableError NETWORK', async () => {
    const lookup = ((_host: string, _opts: unknown, cb: (err: NodeJS.ErrnoException) => void) =>
      cb(Object.assign(new Error('queryA ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' }))) as never;
    const err = await client({ lookup }).request({ method: 'GET', url: 'http://nowhere.test/' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RetryableError', code: 'NETWORK', details: { code: 'ENOTFOUND' } });
  });

  it('refuses a header value that would split the request', async () => {
    const s = await startServer();
    const headers = { 'X-Evil': 'a\r\nInjected: yes' };
    const err = await client().request({ method: 'GET', url: s.origin, headers }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'NodeFailure', code: 'CONFIG_INVALID' });
    expect(s.seen).toHaveLength(0);
  });

  it('refuses invalid URLs and other protocols with NodeFailure CONFIG_INVALID', async () => {
    for (const url of ['not a url', 'ftp://127.0.0.1/file', 'file:///etc/passwd']) {
      const err = await client().request({ method: 'GET', url }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NodeFailure);
      expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    }
  });
});

describe('redirects', () => {
  it('turns 301/302/303 into a bodiless GET and keeps method and body on 307/308', async () => {
    const s = await startServer((req, res) => {
      const status = Number(req.url?.slice(1));
      if (status >= 300) res.writeHead(status, { location: '/final' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method }));
    });
    const http_ = client();
    for (const status of [301, 302, 303, 307, 308]) {
      s.seen.length = 0;
      const res = await http_.request({ method: 'POST', url: `${s.origin}/${status}`, body: { a: 1 } });
      const final = s.seen[1]!;
      const keeps = status >= 307;
      expect(res.body).toEqual({ method: keeps ? 'POST' : 'GET' });
      expect(final.body).toBe(keeps ? '{"a":1}' : '');
      expect(final.headers['content-type']).toBe(keeps ? 'application/json' : undefined);
    }
  });

  it('strips authorization and cookie on a cross-origin redirect, keeps them on the same origin', async () => {
    const other = await startServer();
    const s = await startServer((req, res) => {
      if (req.url === '/same') res.writeHead(302, { location: '/landing' }).end();
      else if (req.url === '/away') res.writeHead(307, { location: `${other.origin}/landing` }).end();
      else res.end('here');
    });
    const headers = { Authorization: 'Bearer secret', Cookie: 'sid=1', 'Idempotency-Key': 'ex_1.crm' };
    const http_ = client();
    await http_.request({ method: 'GET', url: `${s.origin}/same`, headers });
    expect(s.seen[1]!.headers).toMatchObject({ authorization: 'Bearer secret', cookie: 'sid=1', 'idempotency-key': 'ex_1.crm' });
    await http_.request({ method: 'GET', url: `${s.origin}/away`, headers });
    const landed = other.seen[0]!;
    expect(landed.headers.authorization).toBeUndefined();
    expect(landed.headers.cookie).toBeUndefined();
    // The step's Idempotency-Key is no credential: the API that finally answers is the one that needs it.
    expect(landed.headers['idempotency-key']).toBe('ex_1.crm');
  });

  it('gives up after maxRedirects with NodeFailure TOO_MANY_REDIRECTS, and returns the 3xx with 0', async () => {
    const s = await startServer((_req, res) => res.writeHead(302, { location: '/again' }).end());
    const err = await client({ maxRedirects: 3 }).request({ method: 'GET', url: s.origin }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'NodeFailure', code: 'TOO_MANY_REDIRECTS' });
    expect(s.seen).toHaveLength(4);
    const res = await client({ maxRedirects: 0 }).request({ method: 'GET', url: s.origin });
    expect(res).toMatchObject({ status: 302, headers: { location: '/again' } });
  });

  it('refuses a redirect to a non-http protocol', async () => {
    const s = await startServer((_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    const err = await client().request({ method: 'GET', url: s.origin }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'NodeFailure', code: 'REDIRECT_INVALID' });
  });
});

describe('connections', () => {
  it('reuses one keep-alive socket for requests with a turn of the event loop between them', async () => {
    const s = await startServer((_req, res) => res.end('{"ok":true}'));
    const http_ = client();
    for (let i = 0; i < 10; i++) {
      const res = await http_.request({ method: i % 2 ? 'POST' : 'GET', url: `${s.origin}/n${i}`, body: { i } });
      expect(res.status).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(s.seen).toHaveLength(10);
    expect(s.connections()).toBe(1);
  });

  it('keeps back-to-back requests on at most two sockets', async () => {
    // undici's Pool marks a socket free one event-loop turn after its body ends, so an immediate next request
    // takes a second socket; from then on the two alternate, and nothing new is opened.
    const s = await startServer((_req, res) => res.end('ok'));
    const http_ = client();
    for (let i = 0; i < 20; i++) await http_.request({ method: 'GET', url: s.origin });
    expect(s.connections()).toBeLessThanOrEqual(2);
  });

  it('refuses loopback with blockPrivate before the server sees a connection', async () => {
    const s = await startServer();
    const err = await client({ blockPrivate: true }).request({ method: 'GET', url: s.origin }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeFailure);
    expect(err).toMatchObject({ code: 'ADDRESS_BLOCKED' });
    expect(s.connections()).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['0', 0],
    [' 30 ', 30_000],
    ['3601', 3_600_000],
    ['Wed, 01 Jan 2025 00:02:00 GMT', 120_000],
    ['Wednesday, 01-Jan-25 00:00:30 GMT', 30_000],
    ['Tue, 31 Dec 2024 23:00:00 GMT', 0],
    ['Thu, 02 Jan 2025 00:00:00 GMT', 3_600_000],
    ['-5', undefined],
    ['1.5', undefined],
    ['2025-01-01T00:02:00Z', undefined],
    ['Mon, garbage', undefined],
    ['', undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
