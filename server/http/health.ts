/**
 * Liveness and readiness. `GET /api/health` is the cheap liveness probe (the process answers);
 * `GET /api/health/ready` is for load balancers: 503 while starting or shutting down, or while the
 * database cannot be written, with a body saying which check failed; 200 otherwise.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Readiness = { status: 200 | 503; body: { ok: boolean; checks: Record<string, string> } };
export type Health = { ready(): void; stopping(): void; check(): Promise<Readiness> };

const PING_TIMEOUT_MS = 2000;

export function createHealth(ping: () => Promise<void>): Health {
  let phase: 'starting' | 'ready' | 'stopping' = 'starting';
  return {
    ready: () => void (phase = 'ready'),
    stopping: () => void (phase = 'stopping'),
    async check() {
      const checks: Record<string, string> = { process: phase === 'ready' ? 'ok' : phase };
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
          }),
        ]);
        checks.database = 'ok';
      } catch {
        // Public (load balancers call it): which check failed, never the database's address or error.
        checks.database = 'unavailable';
      } finally {
        clearTimeout(timer);
      }
      const ok = Object.values(checks).every((v) => v === 'ok');
      return { status: ok ? 200 : 503, body: { ok, checks } };
    },
  };
}

/** The whole HTTP surface of a `worker` process: its health, nothing else. */
export function healthServer(health: Health, metrics?: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      const payload = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(payload) });
      res.end(payload);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'a worker serves only GET /api/health' } });
    if (path === '/api/health') return json(200, { ok: true });
    if (path === '/api/health/ready') return void health.check().then((r) => json(r.status, r.body));
    if (path === '/metrics' && metrics) return void metrics(req, res);
    json(404, { error: { code: 'NOT_FOUND', message: 'a worker serves only GET /api/health, /api/health/ready and /metrics' } });
  });
}
