/**
 * SSRF: the outbound HTTP client against a local DNS server and loopback listeners that stand in for
 * forbidden targets. Nothing here may send traffic off loopback, even if the guard were broken: a safety
 * net under net.Socket#connect sends any other destination to the forbidden listener and counts it.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import http from 'node:http';
import net, { BlockList, type LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NodeFailure } from '#shared/errors.ts';
import { createHttpClient, createResolverLookup, isBlockedAddress, type HttpClient } from '../../server/adapters/http-client.ts';

// ---------------------------------------------------------------- a tiny DNS server (A/AAAA only)

type RecordType = 'A' | 'AAAA';
type Zone = (name: string, type: RecordType) => string[] | undefined;

async function startDnsServer(zone: Zone): Promise<{ port: number; queries: { name: string; type: RecordType; answers: string[] }[]; close(): void }> {
  const socket = dgram.createSocket('udp4');
  const queries: { name: string; type: RecordType; answers: string[] }[] = [];
  socket.on('message', (msg, rinfo) => {
    let offset = 12;
    const labels: string[] = [];
    while (msg[offset] !== 0 && offset < msg.length) {
      const length = msg[offset]!;
      labels.push(msg.toString('latin1', offset + 1, offset + 1 + length));
      offset += length + 1;
    }
    const qtype = msg.readUInt16BE(offset + 1);
    const questionEnd = offset + 5;
    const name = labels.join('.').toLowerCase();
    const type: RecordType | undefined = qtype === 1 ? 'A' : qtype === 28 ? 'AAAA' : undefined;
    const answers = type === undefined ? [] : zone(name, type);
    queries.push({ name, type: type ?? 'A', answers: answers ?? [] });

    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0); // id
    // QR + RD echoed + RA; NXDOMAIN for names the zone does not know, NOERROR with no answers otherwise.
    header.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & 0x0100) | 0x0080 | (answers === undefined ? 3 : 0), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers?.length ?? 0, 6);
    const records = (answers ?? []).map((address) => {
      const rdata = type === 'A' ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question
      rr.writeUInt16BE(qtype, 2);
      rr.writeUInt16BE(1, 4); // class IN
      rr.writeUInt32BE(0, 6); // TTL 0: nothing may be cached between the rebinding answers
      rr.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([rr, rdata]);
    });
    socket.send(Buffer.concat([header, msg.subarray(12, questionEnd), ...records]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, queries, close: () => socket.close() };
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(parseInt(g, 16), i * 2));
  return bytes;
}

// ---------------------------------------------------------------- loopback listeners

type Listener = { port: number; hits: () => number; close(): Promise<void> };

/** Counts TCP connections, not requests: a guard that let a connection through has already failed. */
async function startListener(handle: http.RequestListener = (_req, res) => res.end('reached')): Promise<Listener> {
  let hits = 0;
  const server = http.createServer(handle);
  server.on('connection', () => hits++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    hits: () => hits,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------- the safety net

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
const isLoopback = (ip: string) => net.isIP(ip) !== 0 && loopback.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4');

/** Connect attempts to anything but loopback, caught below the guard (should stay empty). */
const escaped: string[] = [];

/**
 * Wraps net.Socket#connect for this file: an IP destination off loopback is redirected to the forbidden
 * listener, and a lookup answer off loopback is refused, so a broken guard is counted instead of leaking.
 */
function installSafetyNet(forbiddenPort: () => number): void {
  const realConnect = net.Socket.prototype.connect;
  vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    const first = args[0];
    const options = (Array.isArray(first) ? first[0] : first) as net.TcpNetConnectOpts | undefined;
    if (options !== undefined && typeof options === 'object' && typeof options.host === 'string') {
      const host = options.host;
      if (net.isIP(host) !== 0 && !isLoopback(host)) {
        escaped.push(host);
        options.host = '127.0.0.1';
        options.port = forbiddenPort();
      } else if (net.isIP(host) === 0) {
        const inner: LookupFunction = options.lookup ?? dns.lookup;
        options.lookup = (hostname, lookupOptions, callback) =>
          inner(hostname, lookupOptions, (err, address, family) => {
            const list = err ? [] : Array.isArray(address) ? address.map((a) => a.address) : [address];
            const outside = list.filter((a) => !isLoopback(a));
            if (outside.length === 0) return callback(err, address, family);
            escaped.push(...outside);
            callback(Object.assign(new Error(`safety net: refused ${outside.join(', ')}`), { code: 'ESAFETYNET' }), []);
          });
      }
    }
    return realConnect.apply(this, args as Parameters<typeof realConnect>);
  });
}

// ---------------------------------------------------------------- fixtures

let dnsServer: Awaited<ReturnType<typeof startDnsServer>>;
let forbidden: Listener; // stands in for every target the guard must refuse
let allowed: Listener; // a legitimate target, to show the same paths do connect when allowed
let redirector: Listener; // an allowed server that redirects to forbidden places
let lookup: LookupFunction;
let rebindServed = false;
const clients: HttpClient[] = [];
const tally = { cases: 0, blocked: 0 };

const zone: Zone = (name, type) => {
  if (name === 'allowed.test' || name === 'loopback.test') return type === 'A' ? ['127.0.0.1'] : [];
  if (name === 'metadata.google.internal') return type === 'A' ? ['169.254.169.254'] : [];
  if (name === 'metadata6.test') return type === 'AAAA' ? ['fd00:ec2::254'] : [];
  if (name === 'rebind.test') {
    if (type === 'AAAA') return [];
    // The public-looking answer is served exactly once (to the validator below); every later answer is loopback.
    if (rebindServed) return ['127.0.0.1'];
    rebindServed = true;
    return ['93.184.216.34'];
  }
  return undefined;
};

function client(blockPrivate: boolean): HttpClient {
  const c = createHttpClient({ blockPrivate, lookup });
  clients.push(c);
  return c;
}

/** One attack case: the request must fail with ADDRESS_BLOCKED, fast, with nothing reaching a listener. */
async function expectBlocked(http_: HttpClient, url: string): Promise<void> {
  tally.cases++;
  const before = forbidden.hits();
  const started = performance.now();
  const err = await http_.request({ method: 'GET', url, timeoutMs: 5_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const elapsed = performance.now() - started;
  expect(err, url).toBeInstanceOf(NodeFailure);
  expect(err, url).toMatchObject({ code: 'ADDRESS_BLOCKED' });
  expect(forbidden.hits(), url).toBe(before);
  // Refused before any connect: no handshake, no timeout, just a local decision (plus DNS on loopback).
  expect(elapsed, url).toBeLessThan(1_000);
  tally.blocked++;
}

beforeAll(async () => {
  forbidden = await startListener();
  allowed = await startListener();
  redirector = await startListener((req, res) => {
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '/';
    res.writeHead(302, { location: target }).end();
  });
  installSafetyNet(() => forbidden.port);
  dnsServer = await startDnsServer(zone);
  lookup = createResolverLookup([`127.0.0.1:${dnsServer.port}`]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  vi.restoreAllMocks();
  dnsServer.close();
  await Promise.all([forbidden.close(), allowed.close(), redirector.close()]);
  const hits = forbidden.hits() - selfTestHits + escaped.length;
  console.log(`ssrf: cases ${tally.cases}, blocked ${tally.blocked}, hits on forbidden targets ${hits}`);
});

/** Hits taken by the safety net's own self-test, which are not guard failures. */
let selfTestHits = 0;

describe('SSRF guard', () => {
  it('has a working safety net (self-test with 0.0.0.0, which Linux keeps on this host anyway)', async () => {
    const viaConnect = net.connect({ host: '0.0.0.0', port: 1 });
    await new Promise<void>((resolve, reject) => viaConnect.once('connect', () => resolve()).once('error', reject));
    viaConnect.destroy();
    const zeroLookup: LookupFunction = (_h, o, cb) => (o.all ? cb(null, [{ address: '0.0.0.0', family: 4 }]) : cb(null, '0.0.0.0', 4));
    const viaLookup = net.connect({ host: 'zero.test', port: forbidden.port, lookup: zeroLookup });
    const err = await new Promise<unknown>((resolve) => viaLookup.once('error', resolve).once('connect', () => resolve(undefined)));
    viaLookup.destroy();
    expect(err).toMatchObject({ code: 'ESAFETYNET' });
    expect(escaped).toEqual(['0.0.0.0', '0.0.0.0']);
    await expect.poll(() => forbidden.hits()).toBe(1); // port 1 was rewritten to the forbidden listener
    escaped.length = 0;
    selfTestHits = forbidden.hits();
  });

  it('connects to a name resolving to loopback when private ranges are allowed (control)', async () => {
    const res = await client(false).request({ method: 'GET', url: `http://allowed.test:${allowed.port}/` });
    expect(res).toMatchObject({ status: 200, body: 'reached' });
    expect(allowed.hits()).toBe(1);
  });

  it('blocks a name resolving to 127.0.0.1 with blockPrivate', async () => {
    await expectBlocked(client(true), `http://loopback.test:${forbidden.port}/`);
    await expectBlocked(client(true), `http://localhost:${forbidden.port}/`);
  });

  it('blocks DNS rebinding on the address actually connected to', async () => {
    // A check-then-fetch validator resolves first and sees a public address...
    const validated = await new Promise<string[]>((resolve, reject) =>
      lookup('rebind.test', { all: true }, (err, addresses) => (err ? reject(err) : resolve((addresses as dns.LookupAddress[]).map((a) => a.address)))),
    );
    expect(validated).toEqual(['93.184.216.34']);
    expect(isBlockedAddress('93.184.216.34', true)).toBe(false);
    // ...then the name answers 127.0.0.1 when the socket resolves it. The guard judges that second answer.
    await expectBlocked(client(true), `http://rebind.test:${forbidden.port}/`);
    const answers = dnsServer.queries.filter((q) => q.name === 'rebind.test' && q.type === 'A').map((q) => q.answers);
    expect(answers).toEqual([['93.184.216.34'], ['127.0.0.1']]);
  });

  it('blocks a redirect from an allowed server to cloud metadata, without connecting', async () => {
    const http_ = client(false);
    const via = (to: string) => `http://127.0.0.1:${redirector.port}/go?to=${encodeURIComponent(to)}`;
    const connectsBefore = vi.mocked(net.Socket.prototype.connect).mock.calls.length;
    await expectBlocked(http_, via('http://169.254.169.254/latest/meta-data/iam/security-credentials/'));
    await expectBlocked(http_, via('http://[fd00:ec2::254]/latest/meta-data/'));
    await expectBlocked(http_, via('http://100.100.100.200/latest/meta-data/'));
    await expectBlocked(http_, via(`http://metadata.google.internal:${forbidden.port}/computeMetadata/v1/`));
    await expectBlocked(http_, via(`http://metadata6.test:${forbidden.port}/`));
    // Only the redirector (and the two names, whose lookups the guard refused) ever reached net.connect.
    const targets = vi
      .mocked(net.Socket.prototype.connect)
      .mock.calls.slice(connectsBefore)
      .map((args) => ((Array.isArray(args[0]) ? args[0][0] : args[0]) as net.TcpNetConnectOpts).host);
    expect(targets.every((host) => host === '127.0.0.1' || host === 'metadata.google.internal' || host === 'metadata6.test')).toBe(true);
    expect(redirector.hits()).toBeGreaterThan(0);
  });

  it('blocks other spellings of 127.0.0.1 with blockPrivate', async () => {
    const http_ = client(true);
    const port = forbidden.port;
    for (const host of ['2130706433', '0177.0.0.1', '0x7f.0.0.1', '0x7f000001', '127.1', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::1]']) {
      await expectBlocked(http_, `http://${host}:${port}/`);
    }
  });

  it('always blocks link-local, metadata and unspecified addresses, even with blockPrivate false', async () => {
    const http_ = client(false);
    for (const url of [
      'http://169.254.169.254/',
      'http://169.254.1.1:8080/',
      'http://2852039166/', // 169.254.169.254 as one decimal number
      'http://0xa9fea9fe/',
      'http://[::ffff:169.254.169.254]/',
      'http://[fe80::1]/',
      `http://0.0.0.0:${forbidden.port}/`, // Linux dials 0.0.0.0 as the local host
      `http://[::]:${forbidden.port}/`,
    ]) {
      await expectBlocked(http_, url);
    }
  });

  it('never let a connection off loopback or onto a forbidden listener', () => {
    expect(escaped).toEqual([]);
    expect(forbidden.hits()).toBe(selfTestHits);
    expect(tally.blocked).toBe(tally.cases);
  });
});
