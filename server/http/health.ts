/**
 * Liveness and readiness. `GET /api/health` is the cheap liveness probe (the process answers);
 * `GET /api/health/ready` is for load balancers: 503 while starting (the database being opened and
 * migrated, then the engine resuming), while shutting down, or while the database cannot be
 * written, with a body saying which check failed; 200 otherwise.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export type Readiness = { status: 200 | 503; body: { ok: boolean; checks: Record<string, string> } };
export type Health = {
  /** The database is open and migrated: from now on `ping` is the database check. */
  opened(ping: () => Promise<void>): void;
  ready(): void;
  stopping(): void;
  check(): Promise<Readiness>;
};

const PING_TIMEOUT_MS = 2000;

/** Without `ping`, the database counts as `migrating` until opened(ping). */
export function createHealth(ping?: () => Promise<void>): Health {
  let phase: 'starting' | 'ready' | 'stopping' = 'starting';
  let database = ping;
  return {
    opened: (p) => void (database = p),
    ready: () => void (phase = 'ready'),
    stopping: () => void (phase = 'stopping'),
    async check() {
      const checks: Record<string, string> = { process: phase === 'ready' ? 'ok' : phase };
      if (!database) {
        checks.database = 'migrating';
        return { status: 503, body: { ok: false, checks } };
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          database(),
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

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

/**
 * What the server answers before it is wired (the database being opened and migrated): liveness,
 * readiness (503, `database: "migrating"`), and 503 UNAVAILABLE with Retry-After for anything else,
 * webhooks included — nothing can be accepted yet.
 */
export function bootingHandler(health: Health): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/api/health') return json(res, 200, { ok: true });
    if (path === '/api/health/ready') return void health.check().then((r) => json(res, r.status, r.body));
    json(res, 503, { error: { code: 'UNAVAILABLE', message: 'the server is starting (opening and migrating the database); try again shortly' } }, { 'Retry-After': '5' });
  };
}

/** The whole HTTP surface of a `worker` process: its health and metrics, nothing else. */
export function healthHandler(health: Health, metrics?: (req: IncomingMessage, res: ServerResponse) => Promise<void>): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'a worker serves only GET /api/health' } });
    if (path === '/api/health') return json(res, 200, { ok: true });
    if (path === '/api/health/ready') return void health.check().then((r) => json(res, r.status, r.body));
    if (path === '/metrics' && metrics) return void metrics(req, res);
    json(res, 404, { error: { code: 'NOT_FOUND', message: 'a worker serves only GET /api/health, /api/health/ready and /metrics' } });
  };
}
