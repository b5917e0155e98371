/**
 * The HTTP server's defences against slow and hostile clients (issue 14): a request's headers must
 * arrive within one limit and the whole request within another, an idle keep-alive socket is
 * closed, and past a cap on open connections a new one is answered 503 at once and closed, so
 * thousands of trickling connections can neither exhaust file descriptors nor hold the server.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type ConnectionLimits = {
  /** Headers complete within this of the request's first byte (Node answers 408 and closes). */
  headersTimeoutMs: number;
  /** The whole request, headers and body, within this of its first byte (408 and closed). */
  requestTimeoutMs: number;
  /** An idle keep-alive socket is closed after this. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; one more is answered 503 and closed. */
  maxConnections: number;
};

/** How long a refused socket may linger after its 503 if the client never hangs up. */
const REFUSED_LINGER_MS = 2000;

const REFUSAL_BODY = JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'too many open connections; retry shortly' } });
const REFUSAL = [
  'HTTP/1.1 503 Service Unavailable',
  'Content-Type: application/json; charset=utf-8',
  'Cache-Control: no-store',
  'Retry-After: 1',
  'Connection: close',
  `Content-Length: ${Buffer.byteLength(REFUSAL_BODY)}`,
  '',
  REFUSAL_BODY,
].join('\r\n');

/**
 * The soft limit on open files (`ulimit -n`), from /proc/self/limits; null where there is none
 * (not Linux). Read once at start, like the kernel's own limit is fixed for the process.
 */
export function fileDescriptorLimit(readLimits: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | null {
  try {
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(readLimits())?.[1];
    if (soft === undefined) return null;
    return soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
  } catch {
    // No /proc (macOS, a sandbox): the caller falls back to a fixed default.
    return null;
  }
}

/**
 * MAX_CONNECTIONS's default: half the descriptor limit, leaving the other half to the database,
 * outbound HTTP and mail, and logs; at most 10,000 (each connection costs memory too), at least 64.
 * Without a known limit, Linux's usual 1024 is assumed.
 */
/** The limits as configured (config.ts: HTTP_*_TIMEOUT_SECONDS, MAX_CONNECTIONS). */
export function limitsFromConfig(c: {
  HTTP_HEADERS_TIMEOUT_SECONDS: number;
  HTTP_REQUEST_TIMEOUT_SECONDS: number;
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: number;
  MAX_CONNECTIONS?: number | undefined;
}): ConnectionLimits {
  return {
    headersTimeoutMs: c.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
    requestTimeoutMs: c.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
    keepAliveTimeoutMs: c.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
    maxConnections: c.MAX_CONNECTIONS ?? defaultMaxConnections(),
  };
}

export function defaultMaxConnections(fdLimit: number | null = fileDescriptorLimit()): number {
  return Math.max(64, Math.min(10_000, Math.floor((fdLimit ?? 1024) / 2)));
}

/**
 * An http.Server with these limits. Node enforces the two timeouts itself (it checks its
 * connections every `connectionsCheckingInterval`, set here to a quarter of the headers limit, at
 * most a second, so a trickle is cut close to its limit); the cap is counted here, per socket,
 * because Node's own `maxConnections` drops the socket without a word. A request whose body has
 * arrived is past both timeouts: a webhook being answered (or already answered 202) is never cut.
 */
export function createLimitedServer(limits: ConnectionLimits, handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const refused = new WeakSet<Socket>();
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => {
      // A refused socket has had its 503 already; what it sends after is drained and ignored.
      if (refused.has(req.socket)) return void req.resume();
      handler(req, res);
    },
  );
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= limits.maxConnections) {
      refused.add(socket);
      socket.end(REFUSAL);
      const linger = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
      socket.once('close', () => clearTimeout(linger));
      return;
    }
    open++;
    socket.once('close', () => open--);
  });
  return server;
}
