/** A real HTTP server on loopback that records requests and answers with a scripted response. */
import { createServer, type IncomingHttpHeaders } from 'node:http';

export type SinkRequest = { method: string; url: string; headers: IncomingHttpHeaders; body: string; json: unknown };
export type SinkReply = { status?: number; headers?: Record<string, string>; body?: unknown };

export async function startSink(reply: (req: SinkRequest, n: number) => SinkReply | Promise<SinkReply> = () => ({ status: 200, body: { ok: true } })) {
  const requests: SinkRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const r: SinkRequest = { method: req.method!, url: req.url!, headers: req.headers, body, json };
      requests.push(r);
      const out = await reply(r, requests.length);
      const payload = out.body === undefined ? '' : typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
      res.writeHead(out.status ?? 200, { 'content-type': typeof out.body === 'string' ? 'text/plain' : 'application/json', ...out.headers });
      res.end(payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
