/**
 * GET /metrics: the Prometheus text format. With METRICS_TOKEN set, only `Authorization: Bearer
 * <token>` may read it; without, only a client on loopback that no proxy forwarded (a reverse
 * proxy on the same host connects from loopback too, so a forwarded request is refused: set a
 * token for remote scrapers). Plain node:http, so the API server and a worker's health server
 * both mount it.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';

export const METRICS_PATH = '/metrics';

export const isMetricsPath = (url: string | undefined): boolean => url === METRICS_PATH || (url?.startsWith(`${METRICS_PATH}?`) ?? false);

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuse(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

export function createMetricsHandler(metrics: Pick<Metrics, 'render' | 'contentType'>, opts: { token?: string | undefined; logger: Logger }) {
  return async function handleMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'METHOD_NOT_ALLOWED', 'GET /metrics only', { Allow: 'GET, HEAD' });
    if (opts.token) {
      const auth = req.headers.authorization ?? '';
      const given = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
      if (!given || !sameSecret(given, opts.token)) {
        return refuse(res, 401, 'UNAUTHORIZED', 'metrics need Authorization: Bearer <METRICS_TOKEN>', { 'WWW-Authenticate': 'Bearer realm="metrics"' });
      }
    } else {
      const forwarded = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
      if (!isLoopback(req.socket.remoteAddress) || forwarded) {
        return refuse(res, 403, 'FORBIDDEN', 'metrics are served to loopback only; set METRICS_TOKEN to scrape from elsewhere');
      }
    }
    try {
      const text = await metrics.render();
      res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (err) {
      opts.logger.error('metrics failed', { err: String(err) });
      if (!res.headersSent) refuse(res, 500, 'INTERNAL', 'internal error');
    }
  };
}
