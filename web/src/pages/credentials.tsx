/** Credentials: typed forms, secrets write-only (the list only says which fields are set). */
import { useState } from 'react';
import { api, ApiError, errorMessage, type CredentialSummary } from '../api/client.ts';
import { Icon } from '../components/icons.tsx';
import { EmptyState, ErrorState, Loading, Modal, useConfirm } from '../components/ui.tsx';
import { useAsync } from '../components/use-async.ts';
import { CredentialForm } from '../credentials/credential-form.tsx';
import { useCredentialList } from '../credentials/credential-list.ts';
import { credentialTypeInfo } from '../credentials/credential-types.ts';
import { timeAgo } from '../lib/format.ts';
import { href } from '../lib/router.ts';
import { toast } from '../lib/toast.ts';

export function CredentialsPage() {
  const list = useAsync(() => api.credentials.list(), []);
  const [editing, setEditing] = useState<CredentialSummary | 'new' | null>(null);
  const [inUse, setInUse] = useState<{ name: string; workflows: { id: string; name: string }[] } | null>(null);
  const [confirmNode, confirm] = useConfirm();

  const changed = () => {
    list.reload();
    void useCredentialList.getState().load(true);
  };

  const remove = async (c: CredentialSummary) => {
    if (!(await confirm(`Delete the credential “${c.name}”? Workflows can no longer use it.`))) return;
    try {
      await api.credentials.remove(c.id);
      toast('success', `Deleted “${c.name}”`);
      changed();
    } catch (e) {
      const used = e instanceof ApiError && e.code === 'CONFLICT' ? (e.details as { workflows?: { id: string; name: string }[] } | undefined)?.workflows : undefined;
      if (used) setInUse({ name: c.name, workflows: used });
      else toast('error', 'Could not delete', errorMessage(e));
    }
  };

  const items = list.data?.items ?? [];
  return (
    <div className="page">
      <header className="page-head">
        <h1>Credentials</h1>
        <span className="spacer" />
        <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
          + New credential
        </button>
      </header>
      <p className="muted page-intro">Tokens, passwords and signing secrets that nodes use. They are encrypted at rest and never shown again after you save them.</p>
      {list.loading && !list.data ? (
        <Loading label="Loading credentials…" />
      ) : list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : items.length === 0 ? (
        <EmptyState
          icon={<Icon name="key" size={26} />}
          title="No credentials yet"
          action={
            <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
              Add a credential
            </button>
          }
        >
          <p>Add an API token once and pick it in any HTTP Request node, instead of pasting secrets into workflows.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Fields</th>
                <th>Updated</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => {
                const info = credentialTypeInfo(c.type);
                return (
                  <tr key={c.id}>
                    <td className="row-title">{c.name}</td>
                    <td>{info?.label ?? c.type}</td>
                    <td>
                      {(info?.fields ?? []).map((f) => (
                        <span key={f.key} className={`badge ${c.fields[f.key] ? 'status-success' : 'status-canceled'}`} title={c.fields[f.key] ? 'set' : 'not set'}>
                          {f.label}
                        </span>
                      ))}
                    </td>
                    <td className="muted">{timeAgo(c.updatedAt)}</td>
                    <td className="row-actions">
                      <button type="button" className="btn btn-small btn-ghost" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>
                        Edit
                      </button>
                      <button type="button" className="btn btn-small btn-ghost btn-danger-text" onClick={() => void remove(c)} aria-label={`Delete ${c.name}`}>
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {editing && (
        <Modal title={editing === 'new' ? 'New credential' : `Edit “${editing.name}”`} onClose={() => setEditing(null)}>
          <CredentialForm
            {...(editing === 'new' ? {} : { existing: editing })}
            onCancel={() => setEditing(null)}
            onDone={() => {
              setEditing(null);
              changed();
            }}
          />
        </Modal>
      )}
      {inUse && (
        <Modal title="Credential in use" onClose={() => setInUse(null)}>
          <p>“{inUse.name}” is used by these workflows. Pick another credential in them first:</p>
          <ul>
            {inUse.workflows.map((w) => (
              <li key={w.id}>
                <a href={href(`/workflows/${encodeURIComponent(w.id)}`)}>{w.name}</a>
              </li>
            ))}
          </ul>
        </Modal>
      )}
      {confirmNode}
    </div>
  );
}
