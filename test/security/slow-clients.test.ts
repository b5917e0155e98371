/**
 * Slow and hostile clients cannot hold the server (issue 14), over real sockets on loopback with
 * small configured limits: a header trickle and a body trickle are cut with 408 though bytes keep
 * arriving, an idle keep-alive socket is closed, past MAX_CONNECTIONS a new connection gets 503
 * at once, and ordinary webhooks, including one whose answer is held past the request limit, are
 * served throughout.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { createLimitedServer, defaultMaxConnections, fileDescriptorLimit } from '../../server/http/connection-limits.ts';
import { boot, until, type Booted } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';
import { deliver, executionsOf, hookWorkflow, type HookWorkflow } from '../webhooks/hook-helpers.ts';

const HEADERS_S = 0.5;
const REQUEST_S = 1.5;

/** A raw client: what it received, whether the server closed it, and a trickle it can start. */
type Client = {
  socket: net.Socket;
  received: () => string;
  closed: Promise<void>;
  isClosed: () => boolean;
  /** Sends `text` one byte every `everyMs` until it runs out or the socket closes; counts what went. */
  trickle(text: string, everyMs: number): { sent: () => number };
};

const clients: Client[] = [];

async function connect(port: number): Promise<Client> {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  let closed = false;
  socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
  // A reset after the server cut us off is the expected end here, not a failure.
  socket.on('error', () => undefined);
  const done = new Promise<void>((resolve) => socket.once('close', () => ((closed = true), resolve())));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const client: Client = {
    socket,
    received: () => data,
    closed: done,
    isClosed: () => closed,
    trickle(text, everyMs) {
      let i = 0;
      const timer = setInterval(() => {
        if (closed || i >= text.length) return clearInterval(timer);
        socket.write(text[i++]!);
      }, everyMs);
      void done.then(() => clearInterval(timer));
      return { sent: () => i };
    },
  };
  clients.push(client);
  return client;
}

afterAll(() => {
  for (const c of clients) c.socket.destroy();
});

const hookPath = (hook: HookWorkflow) => new URL(hook.url).pathname;
const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);

describe('request limits on a running server', () => {
  let sy: Booted;
  let port: number;
  let hook: HookWorkflow;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let release: () => void = () => {};

  beforeAll(async () => {
    sink = await startSink(async (req) => {
      if (req.url.startsWith('/slow')) await new Promise<void>((r) => (release = r));
      return { status: 200, body: { stored: true } };
    });
    sy = await boot({
      env: {
        HTTP_HEADERS_TIMEOUT_SECONDS: String(HEADERS_S),
        HTTP_REQUEST_TIMEOUT_SECONDS: String(REQUEST_S),
        HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '0.5',
        MAX_CONNECTIONS: '200',
      },
    });
    port = Number(new URL(sy.base).port);
    hook = await hookWorkflow(sy, {});
  });
  afterAll(async () => {
    release();
    await sink?.close();
    await sy?.close();
  });

  it('cuts a request whose headers trickle in, with 408, though bytes keep coming', async () => {
    const c = await connect(port);
    const started = Date.now();
    c.socket.write(`POST ${hookPath(hook)} HTTP/1.1\r\nHost: x\r\n`);
    const header = `X-Slow: ${'a'.repeat(200)}\r\n`;
    const t = c.trickle(header, 50);
    await c.closed;
    expect(statusOf(c.received())).toBe(408);
    expect(t.sent()).toBeGreaterThan(0);
    expect(t.sent()).toBeLessThan(header.length);
    expect(Date.now() - started).toBeGreaterThanOrEqual(HEADERS_S * 1000);
  });

  it('closes a connection that never says anything', async () => {
    const c = await connect(port);
    await c.closed;
    expect(c.isClosed()).toBe(true);
  });

  it('cuts a body that trickles in at the request limit, and runs nothing for it', async () => {
    const before = (await executionsOf(sy, hook.id)).length;
    const c = await connect(port);
    const started = Date.now();
    const body = `{"pad":"${'b'.repeat(2000)}"}`;
    // Headers whole and in time; then a byte every 50 ms, which alone would take 100 s.
    c.socket.write(`POST ${hookPath(hook)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    const t = c.trickle(body, 50);
    await c.closed;
    expect(statusOf(c.received())).toBe(408);
    expect(t.sent()).toBeGreaterThan(1);
    expect(t.sent()).toBeLessThan(body.length);
    expect(Date.now() - started).toBeGreaterThanOrEqual(REQUEST_S * 1000);
    expect((await executionsOf(sy, hook.id)).length).toBe(before);
  });

  it('closes an idle keep-alive connection after its answer', async () => {
    const c = await connect(port);
    c.socket.write(`GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n`);
    await until(() => c.received().includes('\r\n\r\n'));
    expect(statusOf(c.received())).toBe(200);
    expect(c.received()).toMatch(/keep-alive/i);
    await c.closed;
    expect(c.isClosed()).toBe(true);
  });

  it('holds a webhook whose request is whole past the request limit: a result answer outlives a cut trickle', async () => {
    // A `result` webhook waits on a sink that answers only when released: its request has arrived,
    // so the request limit no longer applies to it, however long the workflow takes.
    const held = await hookWorkflow(sy, { response: { mode: 'result', timeoutMs: 30_000 } }, [
      { id: 'call', type: 'action.http', config: { method: 'POST', url: `${sink.url}/slow`, body: '{{ input.body }}' } },
    ]);
    const answer = deliver(held.url, '{"n":1}');
    await until(() => sink.requests.some((r) => r.url.startsWith('/slow')));
    const started = Date.now();
    const c = await connect(port);
    const body = `{"pad":"${'c'.repeat(2000)}"}`;
    c.socket.write(`POST ${hookPath(hook)} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    c.trickle(body, 50);
    await c.closed;
    expect(statusOf(c.received())).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(REQUEST_S * 1000);
    release();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 200, body: { stored: true } });
  });
});

describe('the connection cap', () => {
  let sy: Booted;
  let port: number;
  let hook: HookWorkflow;
  const CAP = 100;

  beforeAll(async () => {
    sy = await boot({ env: { HTTP_HEADERS_TIMEOUT_SECONDS: '20', HTTP_REQUEST_TIMEOUT_SECONDS: '30', HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '0.2', MAX_CONNECTIONS: String(CAP) } });
    port = Number(new URL(sy.base).port);
    hook = await hookWorkflow(sy, {});
  });
  afterAll(() => sy?.close());

  it('serves ordinary webhooks while eighty slow connections are open', async () => {
    const slow = await Promise.all(Array.from({ length: 80 }, () => connect(port)));
    const body = `{"pad":"${'s'.repeat(2000)}"}`;
    for (const c of slow) c.socket.write(`POST ${hookPath(hook)} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    for (const c of slow) c.trickle(body, 200);
    const ordinary = await Promise.all(Array.from({ length: 5 }, (_, i) => deliver(hook.url, JSON.stringify({ i }))));
    expect(ordinary.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(slow.filter((c) => c.isClosed())).toEqual([]); // still open (and trickling) while the webhooks were served
    for (const r of ordinary) {
      const id = (r.body as { executionId: string }).executionId;
      await until(async () => (await sy.api(`/api/executions/${id}`)).body.status === 'success');
    }
    for (const c of slow) c.socket.destroy();
    await Promise.all(slow.map((c) => c.closed));
  });

  it('answers 503 at once past MAX_CONNECTIONS, closes, and serves again when connections go; an accepted webhook runs on', async () => {
    const accepted = await deliver(hook.url, '{"before":true}');
    expect(accepted.status).toBe(202);

    // fetch's pooled keep-alive sockets close first (the server closes them when idle), so the
    // flood is all there is: exactly the twenty over the cap get their 503, without sending a byte.
    const connections = () => new Promise<number>((r) => sy.app.server.getConnections((_e, n) => r(n)));
    await until(async () => (await connections()) === 0);
    const flood = await Promise.all(Array.from({ length: CAP + 20 }, () => connect(port)));
    await until(() => flood.filter((c) => c.isClosed()).length >= 20);
    const refused = flood.filter((c) => c.isClosed());
    expect(refused).toHaveLength(20);
    for (const c of refused) {
      expect(statusOf(c.received())).toBe(503);
      expect(c.received()).toMatch(/Retry-After: 1/);
      expect(c.received()).toContain('"code":"UNAVAILABLE"');
    }
    // A webhook on a new connection (a pooled keep-alive one would predate the flood) is refused too.
    const late = await connect(port);
    late.socket.write(`POST ${hookPath(hook)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"during":true}`);
    await late.closed;
    expect(statusOf(late.received())).toBe(503);

    // The held connections go: the server serves again.
    for (const c of flood) c.socket.destroy();
    const after = await until(async () => {
      const r = await deliver(hook.url, '{"after":true}').catch(() => null);
      return r?.status === 202 ? r : null;
    });
    expect(after.status).toBe(202);
    const id = (accepted.body as { executionId: string }).executionId;
    await until(async () => (await sy.api(`/api/executions/${id}`)).body.status === 'success');
  });
});

describe('createLimitedServer', () => {
  it('counts exactly: the connection after the cap is refused, and one closing frees a place', async () => {
    const server = createLimitedServer({ headersTimeoutMs: 5000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 5000, maxConnections: 3 }, (_req, res) => {
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const held = [await connect(port), await connect(port), await connect(port)];
      await until(() => new Promise<number>((r) => server.getConnections((_e, n) => r(n))).then((n) => n === 3));
      const fourth = await connect(port);
      await fourth.closed;
      expect(statusOf(fourth.received())).toBe(503);
      expect(held.some((c) => c.isClosed())).toBe(false);

      held[0]!.socket.destroy();
      await held[0]!.closed;
      const served = await until(async () => {
        const c = await connect(port);
        c.socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        await c.closed;
        return statusOf(c.received()) === 200 ? c : null;
      });
      expect(served.received()).toMatch(/\r\n\r\nok$/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('configuration', () => {
  it('defaults to 10 s for headers, 30 s for a request, and a cap from the descriptor limit', () => {
    const c = loadConfig({});
    expect([c.HTTP_HEADERS_TIMEOUT_SECONDS, c.HTTP_REQUEST_TIMEOUT_SECONDS, c.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS, c.MAX_CONNECTIONS]).toEqual([10, 30, 65, undefined]);
    expect(defaultMaxConnections(1024)).toBe(512);
    expect(defaultMaxConnections(1_048_576)).toBe(10_000);
    expect(defaultMaxConnections(100)).toBe(64);
    expect(defaultMaxConnections(null)).toBe(512);
    expect(fileDescriptorLimit(() => 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            4096                 524288               files\n')).toBe(4096);
    expect(fileDescriptorLimit(() => 'nothing here')).toBeNull();
    expect(fileDescriptorLimit()).toBeGreaterThan(0); // this machine's own /proc/self/limits
  });

  it('refuses a headers limit longer than the request limit, naming both', () => {
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_SECONDS: '40', HTTP_REQUEST_TIMEOUT_SECONDS: '30' })).toThrow(/HTTP_HEADERS_TIMEOUT_SECONDS: must not exceed HTTP_REQUEST_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ MAX_CONNECTIONS: '0' })).toThrow(/MAX_CONNECTIONS/);
  });
});
