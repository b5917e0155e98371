/**
 * Workspace variables: constants every expression reads as `vars.NAME`. Plain values are listed;
 * secret ones are write-only (the list says "set", a blank field on edit keeps what is stored).
 */
import { useState, type FormEvent } from 'react';
import { MIN_SECRET_VALUE, VARIABLE_NAME } from '#shared/api/variables.ts';
import { api, ApiError, errorMessage, type VariableSummary } from '../api/client.ts';
import { Icon } from '../components/icons.tsx';
import { EmptyState, ErrorState, Loading, Modal, useConfirm } from '../components/ui.tsx';
import { useAsync } from '../components/use-async.ts';
import { timeAgo } from '../lib/format.ts';
import { toast } from '../lib/toast.ts';
import { useVariableNames } from '../editor/variable-names.ts';

/** What the form finds wrong before asking the server (which checks the same rules). */
function formProblem(name: string, value: string, secret: boolean, keepsStored: boolean): { field: 'name' | 'value'; message: string } | null {
  if (!VARIABLE_NAME.test(name)) return { field: 'name', message: 'Upper-case letters, digits and _, not starting with a digit (e.g. API_BASE).' };
  if (secret && !keepsStored && value.length < MIN_SECRET_VALUE) return { field: 'value', message: `A secret value needs at least ${MIN_SECRET_VALUE} characters.` };
  return null;
}

function VariableForm({ existing, onDone, onCancel }: { existing?: VariableSummary; onDone: () => void; onCancel: () => void }) {
  const [name, setName] = useState(existing?.name ?? '');
  const [value, setValue] = useState(existing && !existing.secret ? existing.value : '');
  const [secret, setSecret] = useState(existing?.secret ?? false);
  const [problem, setProblem] = useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // A secret left blank keeps its stored value (it cannot be shown, so it cannot be edited in place).
  const keepsStored = !!existing?.secret && secret && value === '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local = formProblem(name, value, secret, keepsStored);
    if (local) return setProblem(local);
    setBusy(true);
    setProblem(null);
    try {
      if (existing) await api.variables.update(existing.name, keepsStored ? { secret } : { value, secret });
      else await api.variables.create({ name, value, secret });
      toast('success', `Saved ${name}`);
      onDone();
    } catch (err) {
      const issue = err instanceof ApiError ? err.issues[0] : undefined;
      setProblem({ field: issue?.path === 'name' || issue?.path === 'value' ? issue.path : 'form', message: issue?.message ?? errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)}>
      <label className="field">
        <span className="field-label">Name</span>
        <input
          className="input mono"
          required
          value={name}
          disabled={!!existing}
          aria-invalid={problem?.field === 'name' ? true : undefined}
          onChange={(e) => setName(e.target.value.toUpperCase())}
          placeholder="API_BASE"
          autoFocus={!existing}
        />
        <span className="field-help">Used in expressions as vars.{name || 'NAME'}</span>
        {problem?.field === 'name' && <span className="field-error">{problem.message}</span>}
      </label>
      <label className="field">
        <span className="field-label">
          Value {existing?.secret && <span className="badge status-success">set</span>}
        </span>
        <input
          className="input"
          type={secret ? 'password' : 'text'}
          autoComplete={secret ? 'new-password' : 'off'}
          value={value}
          aria-invalid={problem?.field === 'value' ? true : undefined}
          placeholder={existing?.secret ? 'Stored — leave blank to keep it' : 'https://api.example.com'}
          onChange={(e) => setValue(e.target.value)}
        />
        {problem?.field === 'value' && <span className="field-error">{problem.message}</span>}
      </label>
      <label className="field field-inline">
        <input type="checkbox" checked={secret} onChange={(e) => setSecret(e.target.checked)} />
        <span>Secret (encrypted, never shown again, scrubbed from execution records and logs)</span>
      </label>
      {problem?.field === 'form' && (
        <p className="form-error" role="alert">
          {problem.message}
        </p>
      )}
      <div className="modal-actions">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || !name}>
          {busy ? 'Saving…' : existing ? 'Save changes' : 'Create variable'}
        </button>
      </div>
    </form>
  );
}

export function VariablesPage() {
  const list = useAsync(() => api.variables.list(), []);
  const [editing, setEditing] = useState<VariableSummary | 'new' | null>(null);
  const [confirmNode, confirm] = useConfirm();

  const changed = () => {
    list.reload();
    void useVariableNames.getState().load(true);
  };

  const remove = async (v: VariableSummary) => {
    if (!(await confirm(`Delete the variable ${v.name}? Expressions that use vars.${v.name} will see nothing.`))) return;
    try {
      await api.variables.remove(v.name);
      toast('success', `Deleted ${v.name}`);
      changed();
    } catch (e) {
      toast('error', 'Could not delete', errorMessage(e));
    }
  };

  const items = list.data?.items ?? [];
  const newButton = (label: string) => (
    <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
      {label}
    </button>
  );
  return (
    <div className="page">
      <header className="page-head">
        <h1>Variables</h1>
        <span className="spacer" />
        {newButton('+ New variable')}
      </header>
      <p className="muted page-intro">Constants every workflow reads in expressions as vars.NAME, e.g. {'{{ vars.API_BASE }}'}. Secret ones are encrypted and never shown again.</p>
      {list.loading && !list.data ? (
        <Loading label="Loading variables…" />
      ) : list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : items.length === 0 ? (
        <EmptyState icon={<Icon name="variable" size={26} />} title="No variables yet" action={newButton('Add a variable')}>
          <p>Keep a base URL or an account id in one place instead of copying it into every workflow.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Value</th>
                <th>Updated</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((v) => (
                <tr key={v.name}>
                  <td className="row-title mono">{v.name}</td>
                  <td className={v.secret ? 'muted' : 'mono'}>{v.secret ? <span className="badge status-success">secret · set</span> : v.value}</td>
                  <td className="muted">{timeAgo(v.updatedAt)}</td>
                  <td className="row-actions">
                    <button type="button" className="btn btn-small btn-ghost" onClick={() => setEditing(v)} aria-label={`Edit ${v.name}`}>
                      Edit
                    </button>
                    <button type="button" className="btn btn-small btn-ghost btn-danger-text" onClick={() => void remove(v)} aria-label={`Delete ${v.name}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && (
        <Modal title={editing === 'new' ? 'New variable' : `Edit ${editing.name}`} onClose={() => setEditing(null)}>
          <VariableForm
            {...(editing === 'new' ? {} : { existing: editing })}
            onCancel={() => setEditing(null)}
            onDone={() => {
              setEditing(null);
              changed();
            }}
          />
        </Modal>
      )}
      {confirmNode}
    </div>
  );
}
