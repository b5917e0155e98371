/** Small authenticated routes: meta, API keys (created and deleted are audited), live events (SSE). */
import { Router } from 'express';
import { CreateApiKey } from '#shared/api/schemas.ts';
import type { Services } from '../../services/index.ts';
import { auditFor } from '../audit-context.ts';
import { parse } from '../parse.ts';

export function metaRoutes({ auth, audit: auditService, events, executions }: Services, meta: { version: string; publicUrl: () => string; smtpConfigured: () => boolean }): Router {
  const r = Router();
  const audit = auditFor(auditService);
  r.get('/meta', (_req, res) => {
    res.json({ version: meta.version, publicUrl: meta.publicUrl(), smtpConfigured: meta.smtpConfigured() });
  });

  r.get('/api-keys', async (req, res) => {
    // Every list is {items, nextCursor} (SPEC); an owner's keys fit on one page.
    res.json({ items: await auth.listApiKeys(req.principal!.user.id), nextCursor: null });
  });
  r.post('/api-keys', async (req, res) => {
    const { label } = parse(CreateApiKey, req.body);
    const key = await auth.createApiKey(req.principal!.user.id, label);
    await audit(req, { action: 'api_key.created', target: { type: 'api_key', id: key.id }, detail: { label } });
    res.status(201).json(key);
  });
  r.delete('/api-keys/:id', async (req, res) => {
    const userId = req.principal!.user.id;
    // Read before the delete, so the log names the key and not only its id.
    const label = (await auth.listApiKeys(userId)).find((k) => k.id === req.params.id)?.label;
    await auth.deleteApiKey(userId, req.params.id);
    await audit(req, { action: 'api_key.deleted', target: { type: 'api_key', id: req.params.id }, detail: { label } });
    res.status(204).end();
  });

  /** Server-sent events: `execution` (summary on every status change) and `step`. */
  r.get('/events', (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    // HEAD has no body, so write() never flushes the headers: the request would hang open, subscribed, forever.
    if (req.method === 'HEAD') return void res.end();
    res.write(': connected\n\n');
    const workflowId = typeof req.query.workflowId === 'string' ? req.query.workflowId : undefined;
    const send = (name: string, data: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    // Events go out in the order they happened. Each execution event waits for a read of its
    // summary; reads run at once but may finish in any order (several pooled connections), and a
    // 'running' sent after its 'success' left the execution shown as running.
    let sent: Promise<void> = Promise.resolve();
    const inOrder = (ready: Promise<(() => void) | undefined>) => {
      sent = sent.then(() => ready.then((write) => void (!res.writableEnded && write?.()))).catch(() => undefined);
    };
    const offExec = events.onExecution((e) => {
      if (workflowId && e.workflowId !== workflowId) return;
      inOrder(
        executions.summary(e.executionId).then(
          // The event's status is the latest (a short execution's 'running' is never written to the table).
          (summary) => (summary ? () => send('execution', { ...summary, status: e.status }) : undefined),
          () => undefined, // the database is away: this update is lost, the next re-read shows the truth
        ),
      );
    });
    const offStep = events.onStep((e) => {
      if (!workflowId || e.workflowId === workflowId) inOrder(Promise.resolve(() => send('step', e)));
    });
    const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
    req.on('close', () => {
      clearInterval(ping);
      offExec();
      offStep();
    });
  });
  return r;
}
