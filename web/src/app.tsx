/**
 * The app shell: first-run setup or login, then the sidebar layout and the hash routes.
 * The editor is lazy-loaded so the initial bundle stays small.
 */
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { api, errorMessage, setUnauthorizedHandler, type AuthStatus } from './api/client.ts';
import { ErrorBoundary } from './components/error-boundary.tsx';
import { Icon, type IconName } from './components/icons.tsx';
import { ErrorState, Loading } from './components/ui.tsx';
import { Toaster } from './components/toaster.tsx';
import { href, navigate, useRoute } from './lib/router.ts';
import { toast } from './lib/toast.ts';
import { ApiKeysPage } from './pages/api-keys.tsx';
import { AuditLogPage } from './pages/audit.tsx';
import { AuthPage } from './pages/auth.tsx';
import { CredentialsPage } from './pages/credentials.tsx';
import { VariablesPage } from './pages/variables.tsx';
import { ExecutionDetailPage } from './pages/execution-detail.tsx';
import { ExecutionsPage } from './pages/executions.tsx';
import { OutboxPage } from './pages/outbox.tsx';
import { WorkflowsPage } from './pages/workflows.tsx';

const EditorPage = lazy(() => import('./editor/editor-page.tsx').then((m) => ({ default: m.EditorPage })));

export function App() {
  const [auth, setAuth] = useState<AuthStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  const check = useCallback(() => {
    setError(null);
    api.auth.status().then(setAuth, (e) => setError(errorMessage(e)));
  }, []);

  useEffect(() => {
    check();
    setUnauthorizedHandler(() => {
      setAuth((a) => (a?.user ? { needsSetup: false, user: null } : a));
      toast('info', 'Please sign in again', 'Your session has ended.');
    });
  }, [check]);

  let body;
  if (error) body = <ErrorState message={error} onRetry={check} />;
  else if (!auth) body = <Loading label="Starting Switchyard…" />;
  else if (auth.needsSetup || !auth.user) body = <AuthPage mode={auth.needsSetup ? 'setup' : 'login'} onSignedIn={(user) => setAuth({ needsSetup: false, user })} />;
  else body = <Shell email={auth.user.email} onSignedOut={() => setAuth({ needsSetup: false, user: null })} />;

  return (
    <>
      {body}
      <Toaster />
    </>
  );
}

const NAV: { path: string; label: string; icon: IconName; match: (p: string) => boolean }[] = [
  { path: '/', label: 'Workflows', icon: 'workflows', match: (p: string) => p === '/' || p.startsWith('/workflows') },
  { path: '/executions', label: 'Executions', icon: 'executions', match: (p: string) => p.startsWith('/executions') },
  { path: '/credentials', label: 'Credentials', icon: 'key', match: (p: string) => p.startsWith('/credentials') },
  { path: '/variables', label: 'Variables', icon: 'variable', match: (p: string) => p.startsWith('/variables') },
  { path: '/outbox', label: 'Outbox', icon: 'mail', match: (p: string) => p.startsWith('/outbox') },
  { path: '/api-keys', label: 'API keys', icon: 'apiKey', match: (p: string) => p.startsWith('/api-keys') },
  { path: '/audit', label: 'Audit log', icon: 'audit', match: (p: string) => p.startsWith('/audit') },
];

function Shell({ email, onSignedOut }: { email: string; onSignedOut: () => void }) {
  const route = useRoute();
  const [first, second] = route.segments;

  if (first === 'workflows' && second) {
    return (
      <main className="full" id="main">
        <ErrorBoundary resetKey={route.path}>
          <Suspense fallback={<Loading label="Loading the editor…" />}>
            <EditorPage key={second} workflowId={second} executionId={route.query.get('execution')} historyVersion={route.query.get('history')} />
          </Suspense>
        </ErrorBoundary>
      </main>
    );
  }

  let page;
  if (!first || first === 'workflows') page = <WorkflowsPage />;
  else if (first === 'executions' && second) page = <ExecutionDetailPage key={second} executionId={second} />;
  else if (first === 'executions') {
    const q = (k: string) => route.query.get(k) ?? '';
    page = <ExecutionsPage workflowId={q('workflowId')} status={q('status')} mode={q('mode')} from={q('from')} to={q('to')} q={q('q')} />;
  }
  else if (first === 'credentials') page = <CredentialsPage />;
  else if (first === 'variables') page = <VariablesPage />;
  else if (first === 'outbox') page = <OutboxPage />;
  else if (first === 'api-keys') page = <ApiKeysPage />;
  else if (first === 'audit') {
    const q = (k: string) => route.query.get(k) ?? '';
    page = <AuditLogPage actor={q('actor')} action={q('action')} from={q('from')} to={q('to')} />;
  }
  else
    page = (
      <ErrorState message={`There is no page at “${route.path}”.`} onRetry={() => navigate('/')} />
    );

  const signOut = async () => {
    try {
      await api.auth.logout();
    } catch {
      // Signing out locally is still right when the server call fails (the session may already be gone).
    }
    onSignedOut();
  };

  return (
    <div className="shell">
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <aside className="sidebar">
        <a className="brand" href={href('/')}>
          <span className="brand-mark" aria-hidden="true">
            ⇄
          </span>
          Switchyard
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.path}>
                <a href={href(n.path)} className={n.match(route.path) ? 'on' : ''} aria-current={n.match(route.path) ? 'page' : undefined}>
                  <span className="nav-icon">
                    <Icon name={n.icon} />
                  </span>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot">
          <span className="muted small" title={email}>
            {email}
          </span>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </aside>
      <main className="content" id="main" tabIndex={-1}>
        <ErrorBoundary resetKey={route.path}>{page}</ErrorBoundary>
      </main>
    </div>
  );
}
