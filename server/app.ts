/** createApp(deps): the Express application for /api and the editor (no listen). /hooks has its own lean handler. */
import express, { type Express } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from './lib/paths.ts';
import type { Logger } from './lib/logger.ts';
import type { Services } from './services/index.ts';
import type { Health } from './http/health.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { authenticate } from './http/middleware/auth.ts';
import { securityHeaders } from './http/middleware/security-headers.ts';
import { auditFor } from './http/audit-context.ts';
import { auditRoutes } from './http/routes/audit.routes.ts';
import { authRoutes } from './http/routes/auth.routes.ts';
import { executionRoutes } from './http/routes/executions.routes.ts';
import { metaRoutes } from './http/routes/misc.routes.ts';
import { workflowRoutes } from './http/routes/workflows.routes.ts';
import { exceedsDepth, MAX_JSON_DEPTH } from './http/parse.ts';
import { AppError } from '#shared/errors.ts';

export type AppDeps = {
  services: Services;
  logger: Logger;
  publicUrl: () => string;
  maxApiBodyBytes: number;
  version: string;
  smtpConfigured: () => boolean;
  health?: Health;
  /** Extra authenticated /api routers contributed by features (credentials, outbox, …). */
  extraRoutes?: { path: string; router: express.Router }[];
  webDist?: string;
  /** Express `trust proxy`: unset trusts no proxy. */
  trustProxy?: string;
};

const defaultDist = projectPath('web/dist');

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (deps.trustProxy) app.set('trust proxy', /^\d+$/.test(deps.trustProxy) ? Number(deps.trustProxy) : deps.trustProxy.split(',').map((s) => s.trim()));
  app.use(securityHeaders({ hsts: deps.publicUrl().startsWith('https://') }));

  const publicOrigin = new URL(deps.publicUrl()).origin;
  const secureCookies = deps.publicUrl().startsWith('https://');
  const api = express.Router();
  api.use(express.json({ limit: deps.maxApiBodyBytes, strict: true }));
  api.use((req, _res, next) => {
    if (exceedsDepth(req.body)) throw new AppError('VALIDATION_FAILED', `the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    next();
  });
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  api.get('/health/ready', async (_req, res) => {
    const r = deps.health ? await deps.health.check() : { status: 200, body: { ok: true, checks: {} } };
    res.status(r.status).json(r.body);
  });
  api.use('/auth', authRoutes(deps.services.auth, auditFor(deps.services.audit), { secureCookies, publicOrigin }));
  api.use(authenticate(deps.services.auth, publicOrigin));
  // One kind of user (the owner): whoever is signed in, by session or API key, may read the whole log.
  api.use('/audit', auditRoutes(deps.services.audit));
  api.use('/workflows', workflowRoutes(deps.services));
  api.use('/executions', executionRoutes(deps.services));
  for (const extra of deps.extraRoutes ?? []) api.use(extra.path, extra.router);
  api.use(metaRoutes(deps.services, { version: deps.version, publicUrl: deps.publicUrl, smtpConfigured: deps.smtpConfigured }));
  api.use(notFoundHandler);
  app.use('/api', api);

  const dist = deps.webDist ?? defaultDist;
  if (existsSync(join(dist, 'index.html'))) {
    app.use(express.static(dist, { index: false, maxAge: '1h', dotfiles: 'deny' }));
    // SPA fallback: any GET that is not an API call or a file is the editor.
    app.get(/^\/(?!api\/|hooks\/).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(join(dist, 'index.html'));
    });
  } else {
    app.get('/', (_req, res) => {
      res.type('html').send(
        '<!doctype html><meta charset="utf-8"><title>Switchyard</title><h1>Switchyard</h1><p>A self-hosted automation runner. The editor is not built yet: run <code>npm run build:web</code>. The API lives under <a href="/api/health">/api</a>; see the README for its routes.</p>',
      );
    });
  }
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
