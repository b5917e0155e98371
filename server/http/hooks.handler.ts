/**
 * ANY /hooks/:token on a lean path: plain node:http, no Express stack, because this is the hot
 * path that providers hit. Reads the raw body (kept for signatures) under a size cap, then hands
 * off to the webhook service; the answer is only sent after the event is on disk.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StoreUnavailableError } from '../db/store.ts';
import type { Logger } from '../lib/logger.ts';
import { unavailable } from './error-handler.ts';
import type { InboundRequest, WebhookService } from '../services/webhook.service.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

/** A Respond node's text or redirect: its own headers (Content-Type included), framed here. */
function sendRaw(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const tooLarge = { error: { code: 'PAYLOAD_TOO_LARGE', message: 'the request body is too large' } };

/** The body, or why there is none: over the cap, or the caller hung up mid-body (nothing to answer). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return resolve('too_large');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        resolve('too_large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    // A caller that disconnects mid-upload is not a server fault: no error log, no answer.
    req.on('aborted', () => resolve('aborted'));
    req.on('error', () => resolve('aborted'));
  });
}

/** `observe`: told of each answered request (not preflights, not hang-ups), with the seconds from arrival to the answer sent. */
export function createHooksHandler(webhooks: WebhookService, opts: { maxBodyBytes: number; logger: Logger; observe?: (status: number, seconds: number) => void }) {
  return async function handleHook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (opts.observe && req.method !== 'OPTIONS') {
      const observe = opts.observe;
      const t0 = performance.now();
      res.once('finish', () => observe(res.statusCode, (performance.now() - t0) / 1000));
    }
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      const rest = url.pathname.slice('/hooks/'.length);
      const slash = rest.indexOf('/');
      const token = slash < 0 ? rest : rest.slice(0, slash);
      if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) return send(res, 404, { error: { code: 'NOT_FOUND', message: 'no active webhook at this URL' } });
      if (req.method === 'OPTIONS') {
        const reply = await webhooks.preflight(token, req.headers as Record<string, string | undefined>);
        res.writeHead(reply.status, reply.headers);
        return void res.end();
      }
      const body = await readBody(req, opts.maxBodyBytes);
      if (body === 'too_large') return send(res, 413, tooLarge, { Connection: 'close' });
      if (body === 'aborted') return void res.destroy();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) Object.defineProperty(query, k, { value: v, enumerable: true, writable: true, configurable: true });
      // The event's path is what follows the token, so the secret token never lands in step data.
      const inbound: InboundRequest = { token, method: req.method ?? 'GET', path: slash < 0 ? '/' : rest.slice(slash), headers, query, rawBody: body };
      const reply = await webhooks.handle(inbound);
      if (reply.raw !== undefined) sendRaw(res, reply.status, reply.raw, reply.headers);
      else send(res, reply.status, reply.body, reply.headers);
    } catch (err) {
      if (err instanceof StoreUnavailableError) {
        // Nothing was committed, so nothing is acknowledged: the sender retries later.
        opts.logger.warn('webhook refused: database unavailable', { err: err.message });
        const e = unavailable();
        if (!res.headersSent) send(res, 503, { error: { code: e.code, message: e.message } }, e.headers);
        return;
      }
      opts.logger.error('webhook failed', { err: String(err), stack: (err as Error)?.stack });
      if (!res.headersSent) send(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
    }
  };
}
