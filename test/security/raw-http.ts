/**
 * HTTP/1.1 over a bare socket, for the security suites: fetch normalises `..`, `//` and case and refuses odd
 * methods and headers, which are exactly the requests these suites need to send byte for byte.
 */
import http from 'node:http';
import net from 'node:net';

export type RawRequest = {
  method: string;
  /** The request-target, sent verbatim (`/api/health/../workflows`, `//api//x`, `*`, …). */
  target: string;
  headers?: [string, string][];
  body?: string | Buffer;
  /** Default true: send Content-Length for the body (none when there is no body). */
  contentLength?: boolean;
};

export type RawResponse = {
  status: number;
  headers: Record<string, string>;
  /** Decoded (de-chunked) body; empty when `headersOnly`. */
  body: Buffer;
  text: string;
};

export type RawOptions = {
  timeoutMs?: number;
  /** Resolve as soon as the final header block arrived (SSE streams and large files need not be read). */
  headersOnly?: boolean;
  /** Stop reading the body past this many bytes. */
  maxBodyBytes?: number;
};

/** Thrown when no response arrived (socket reset or closed before a status line, or timed out). */
export class NoResponse extends Error {
  constructor(
    readonly reason: 'closed' | 'timeout' | 'error',
    message: string,
  ) {
    super(message);
    this.name = 'NoResponse';
  }
}

function encodeRequest(port: number, r: RawRequest): Buffer {
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  const lines = [`${r.method} ${r.target} HTTP/1.1`];
  const headers = r.headers ?? [];
  if (!headers.some(([k]) => k.toLowerCase() === 'host')) lines.push(`Host: 127.0.0.1:${port}`);
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  if (body && r.contentLength !== false) lines.push(`Content-Length: ${body.length}`);
  lines.push('Connection: close', '', '');
  const head = Buffer.from(lines.join('\r\n'), 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

function dechunk(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = parseInt(buf.subarray(i, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size) || size <= 0) break;
    out.push(buf.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Parses the first final (non-1xx) response out of `buf`, or undefined while incomplete. */
function parseHead(buf: Buffer): { status: number; headers: Record<string, string>; bodyStart: number } | undefined {
  let start = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', start);
    if (end < 0) return undefined;
    const [statusLine, ...rest] = buf.subarray(start, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
    if (!m) throw new NoResponse('error', `not an HTTP response: ${JSON.stringify(statusLine)}`);
    const status = Number(m[1]);
    if (status >= 100 && status < 200) {
      start = end + 4; // 100 Continue and friends precede the real answer
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of rest) {
      const i = line.indexOf(':');
      if (i > 0) {
        const k = line.slice(0, i).trim().toLowerCase();
        const v = line.slice(i + 1).trim();
        headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
      }
    }
    return { status, headers, bodyStart: end + 4 };
  }
}

/** Sends one request on a fresh connection (`Connection: close`) and reads the answer. */
export function rawRequest(port: number, req: RawRequest, opts: RawOptions = {}): Promise<RawResponse> {
  const { timeoutMs = 10_000, headersOnly = false, maxBodyBytes = 2 * 1024 * 1024 } = opts;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const complete = () => {
      const buf = Buffer.concat(chunks, size);
      let head;
      try {
        head = parseHead(buf);
      } catch (err) {
        return finish(() => reject(err));
      }
      if (!head) return finish(() => reject(new NoResponse('closed', `connection closed before a response (${size} bytes)`)));
      const rawBody = buf.subarray(head.bodyStart);
      const body = /chunked/i.test(head.headers['transfer-encoding'] ?? '') ? dechunk(rawBody) : rawBody;
      finish(() => resolve({ status: head.status, headers: head.headers, body, text: body.toString('utf8') }));
    };
    const timer = setTimeout(() => finish(() => reject(new NoResponse('timeout', `no answer within ${timeoutMs} ms: ${req.method} ${req.target}`))), timeoutMs);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (headersOnly) {
        let head;
        try {
          head = parseHead(Buffer.concat(chunks, size));
        } catch (err) {
          return finish(() => reject(err));
        }
        if (head) return finish(() => resolve({ status: head.status, headers: head.headers, body: Buffer.alloc(0), text: '' }));
      } else if (size > maxBodyBytes) complete();
    });
    socket.on('end', complete);
    socket.on('close', complete);
    // A reset after the server answered (it closed first) still leaves a complete response in `chunks`.
    socket.on('error', () => complete());
    socket.write(encodeRequest(port, req));
  });
}

/**
 * The same request through node:http on a keep-alive agent: several times cheaper than a fresh socket, for volume.
 * Returns undefined when node:http itself refuses to send it (a method or header it validates); send those raw.
 * Resolves with the status as soon as the head arrives; streams (SSE) are cut, other bodies drained for reuse.
 */
export function agentRequest(agent: http.Agent, port: number, req: RawRequest, timeoutMs = 10_000): Promise<{ status: number }> | undefined {
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  // A raw header list replaces node:http's defaults, Host included (without it the server answers 400 to everything).
  const flat: string[] = (req.headers ?? []).some(([k]) => k.toLowerCase() === 'host') ? [] : ['Host', `127.0.0.1:${port}`];
  for (const [k, v] of req.headers ?? []) flat.push(k, v);
  if (body) flat.push('Content-Length', String(body.length));
  let cr: http.ClientRequest;
  try {
    cr = http.request({ host: '127.0.0.1', port, method: req.method, path: req.target, agent, headers: flat as unknown as http.OutgoingHttpHeaders });
  } catch {
    return undefined;
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cr.destroy();
      reject(new NoResponse('timeout', `no answer within ${timeoutMs} ms: ${req.method} ${req.target}`));
    }, timeoutMs);
    cr.on('response', (res) => {
      clearTimeout(timer);
      if (/event-stream/.test(String(res.headers['content-type']))) res.destroy();
      else res.resume();
      res.on('error', () => {}); // a cut stream is expected here
      resolve({ status: res.statusCode ?? 0 });
    });
    cr.on('error', (err) => {
      clearTimeout(timer);
      reject(new NoResponse('error', err.message));
    });
    cr.end(body);
  });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
