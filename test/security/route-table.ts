/**
 * The route table the security suites iterate: discovered from the live Express app's router (so a route added
 * tomorrow is covered without touching the tests) plus SPEC's routes as an explicit floor (so a broken
 * discovery can never shrink coverage below the contract).
 */
import type { Server } from 'node:http';

export type RouteEntry = { method: string; path: string; source: 'discovered' | 'floor' | 'both' };

/** SPEC's HTTP API, written out. `:id`-style params are filled in by `concretize`. */
export const FLOOR: readonly { method: string; path: string }[] = [
  { method: 'GET', path: '/api/health' },
  { method: 'GET', path: '/api/health/ready' },
  { method: 'GET', path: '/api/auth/status' },
  { method: 'POST', path: '/api/auth/setup' },
  { method: 'POST', path: '/api/auth/login' },
  { method: 'POST', path: '/api/auth/logout' },
  { method: 'POST', path: '/api/auth/password' },
  { method: 'GET', path: '/api/auth/me' },
  { method: 'GET', path: '/api/api-keys' },
  { method: 'POST', path: '/api/api-keys' },
  { method: 'DELETE', path: '/api/api-keys/:id' },
  { method: 'GET', path: '/api/workflows' },
  { method: 'POST', path: '/api/workflows' },
  { method: 'GET', path: '/api/workflows/:id' },
  { method: 'PUT', path: '/api/workflows/:id' },
  { method: 'DELETE', path: '/api/workflows/:id' },
  { method: 'POST', path: '/api/workflows/:id/activate' },
  { method: 'POST', path: '/api/workflows/:id/deactivate' },
  { method: 'POST', path: '/api/workflows/:id/run' },
  { method: 'GET', path: '/api/workflows/:id/export' },
  { method: 'POST', path: '/api/workflows/import' },
  { method: 'GET', path: '/api/executions' },
  { method: 'GET', path: '/api/executions/:id' },
  { method: 'POST', path: '/api/executions/:id/retry' },
  { method: 'POST', path: '/api/executions/:id/cancel' },
  { method: 'POST', path: '/api/executions/bulk' },
  { method: 'GET', path: '/api/executions/bulk/:jobId' },
  { method: 'GET', path: '/api/credentials' },
  { method: 'POST', path: '/api/credentials' },
  { method: 'PUT', path: '/api/credentials/:id' },
  { method: 'DELETE', path: '/api/credentials/:id' },
  { method: 'GET', path: '/api/variables' },
  { method: 'POST', path: '/api/variables' },
  { method: 'GET', path: '/api/variables/:name' },
  { method: 'PUT', path: '/api/variables/:name' },
  { method: 'DELETE', path: '/api/variables/:name' },
  { method: 'GET', path: '/api/outbox' },
  { method: 'GET', path: '/api/meta' },
  { method: 'GET', path: '/api/events' },
  { method: 'GET', path: '/api/audit' },
  { method: 'POST', path: '/api/admin/backup' },
];

/** Routes SPEC makes public: they may answer 2xx without auth (and must still never answer data). */
export const PUBLIC_ROUTES = new Set(['GET /api/health', 'GET /api/health/ready', 'GET /api/auth/status', 'POST /api/auth/setup', 'POST /api/auth/login', 'POST /api/auth/logout']);

type ListedRoute = { path: string | RegExp; methods?: string[]; router?: unknown };
type RouterLike = { listRoutes?: () => ListedRoute[]; stack?: LayerLike[] };
type LayerLike = { route?: { path: unknown; methods?: Record<string, boolean> }; handle?: { stack?: unknown }; rawPath?: unknown };

const join = (a: string, b: string) => `${a}/${b}`.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');

/** Router 2.3+ has listRoutes(); older ones expose the same facts on `stack` layers (mounted paths only via rawPath). */
function listOf(router: RouterLike): ListedRoute[] {
  if (typeof router.listRoutes === 'function') return router.listRoutes();
  const out: ListedRoute[] = [];
  for (const layer of router.stack ?? []) {
    if (layer.route && typeof layer.route.path === 'string') {
      out.push({ path: layer.route.path, methods: Object.keys(layer.route.methods ?? {}).map((m) => m.toUpperCase()) });
    } else if (Array.isArray(layer.handle?.stack) && typeof layer.rawPath === 'string') {
      out.push({ path: layer.rawPath, router: layer.handle });
    }
  }
  return out;
}

/** Every (method, path) the Express app routes, with mount prefixes joined. RegExp routes (the SPA fallback) are left out. */
export function discoverRoutes(app: unknown): { method: string; path: string }[] {
  const root = (app as { router?: RouterLike } | undefined)?.router;
  if (!root) return [];
  const found: { method: string; path: string }[] = [];
  const walk = (router: RouterLike, prefix: string, depth: number) => {
    if (depth > 8) return;
    for (const r of listOf(router)) {
      if (typeof r.path !== 'string') continue;
      const path = join(prefix, r.path);
      if (r.router) walk(r.router as RouterLike, path, depth + 1);
      for (const m of r.methods ?? []) if (m !== '*' && m !== 'HEAD') found.push({ method: m.toUpperCase(), path });
    }
  };
  walk(root, '', 0);
  return found;
}

/** The union of discovered routes and the floor, deduplicated on method + path shape. */
export function routeTable(app: unknown): { table: RouteEntry[]; discovered: number } {
  const discovered = discoverRoutes(app);
  const key = (r: { method: string; path: string }) => `${r.method} ${r.path.replace(/:\w+/g, ':p')}`;
  const byKey = new Map<string, RouteEntry>();
  for (const r of discovered) byKey.set(key(r), { ...r, source: 'discovered' });
  for (const r of FLOOR) {
    const k = key(r);
    const seen = byKey.get(k);
    byKey.set(k, seen ? { ...seen, source: 'both' } : { ...r, source: 'floor' });
  }
  return { table: [...byKey.values()], discovered: discovered.length };
}

/** Fills `:param`, `*splat` and `{optional}` segments with `value`. */
export function concretize(path: string, value: string | ((name: string) => string)): string {
  const fill = typeof value === 'function' ? value : () => value;
  return path.replace(/[{}]/g, '').replace(/[:*](\w+)/g, (_m, name: string) => fill(name));
}

export const isPublic = (r: { method: string; path: string }) => PUBLIC_ROUTES.has(`${r.method} ${r.path}`);

/**
 * The Express application behind a Switchyard node:http server. Express sets `req.app` synchronously while it
 * dispatches, so a listener added after Switchyard's own sees it on the next request.
 */
export async function captureExpressApp(server: Server, base: string): Promise<unknown> {
  let app: unknown;
  const spy = (req: { app?: unknown }) => {
    app ??= req.app;
  };
  server.on('request', spy);
  try {
    await (await fetch(`${base}/api/health`)).text();
  } finally {
    server.off('request', spy);
  }
  return app;
}
