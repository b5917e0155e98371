/** API keys for scripts and other tools: create (the key is shown once), list, revoke. */
import { useState, type FormEvent } from 'react';
import { api, errorMessage, type ApiKey } from '../api/client.ts';
import { CopyButton, EmptyState, ErrorState, Loading, useConfirm } from '../components/ui.tsx';
import { useAsync } from '../components/use-async.ts';
import { timeAgo } from '../lib/format.ts';
import { toast } from '../lib/toast.ts';

export function ApiKeysPage() {
  const keys = useAsync(() => api.apiKeys.list(), []);
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ label: string; key: string } | null>(null);
  const [confirmNode, confirm] = useConfirm();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (!label.trim()) return;
    setBusy(true);
    try {
      const r = await api.apiKeys.create(label.trim());
      setCreated({ label: label.trim(), key: r.key });
      setLabel('');
      keys.reload();
    } catch (err) {
      toast('error', 'Could not create the key', errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (k: ApiKey) => {
    if (!(await confirm(`Revoke “${k.label}”? Anything using it stops working at once.`, 'Revoke'))) return;
    try {
      await api.apiKeys.remove(k.id);
      toast('success', `Revoked “${k.label}”`);
      keys.reload();
    } catch (err) {
      toast('error', 'Could not revoke', errorMessage(err));
    }
  };

  const items = keys.data?.items ?? [];
  const origin = window.location.origin;
  return (
    <div className="page">
      <header className="page-head">
        <h1>API keys</h1>
      </header>
      <p className="muted page-intro">
        Use the API from scripts and CI with <code>Authorization: Bearer &lt;key&gt;</code>, e.g. <code>{`curl -H "Authorization: Bearer $KEY" ${origin}/api/workflows`}</code>.
      </p>
      <form className="inline-form" onSubmit={(e) => void create(e)}>
        <label className="field">
          <span className="field-label">Label</span>
          <input className="input" value={label} onChange={(e) => setLabel(e.target.value)} placeholder="e.g. deploy script" />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy || !label.trim()}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </form>
      {created && (
        <div className="callout callout-success" role="status">
          <strong>Key “{created.label}” created. Copy it now: it will not be shown again.</strong>
          <div className="url-row">
            <code className="url" aria-label="New API key">
              {created.key}
            </code>
            <CopyButton text={created.key} label="Copy API key" />
          </div>
          <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      )}
      {keys.loading && !keys.data ? (
        <Loading label="Loading keys…" />
      ) : keys.error ? (
        <ErrorState message={keys.error} onRetry={keys.reload} />
      ) : items.length === 0 ? (
        <EmptyState icon="⌘" title="No API keys">
          <p>Create one to trigger runs, import workflows or read executions from your own tools.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Label</th>
                <th>Key</th>
                <th>Created</th>
                <th>Last used</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((k) => (
                <tr key={k.id}>
                  <td className="row-title">{k.label}</td>
                  <td>
                    <code>{k.prefix ? `${k.prefix}…` : '••••'}</code>
                  </td>
                  <td className="muted">{timeAgo(k.createdAt)}</td>
                  <td className="muted">{k.lastUsedAt ? timeAgo(k.lastUsedAt) : 'Never'}</td>
                  <td className="row-actions">
                    <button type="button" className="btn btn-small btn-ghost btn-danger-text" onClick={() => void revoke(k)} aria-label={`Revoke ${k.label}`}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirmNode}
    </div>
  );
}
