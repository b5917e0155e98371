/** Pick a stored credential of the fitting types, or create one without leaving the editor. */
import { useEffect, useState } from 'react';
import { useMeta } from '../../api/meta.ts';
import { Modal } from '../../components/ui.tsx';
import { CredentialForm } from '../../credentials/credential-form.tsx';
import { useCredentialList } from '../../credentials/credential-list.ts';
import { credentialTypeInfo } from '../../credentials/credential-types.ts';
import type { WidgetProps } from './types.ts';

export function CredentialWidget({ id, ui, value, onChange, invalid, describedBy }: WidgetProps) {
  const { items, error, load } = useCredentialList();
  const [creating, setCreating] = useState(false);
  const meta = useMeta();
  useEffect(() => {
    void load();
  }, [load]);
  const fitting = (items ?? []).filter((c) => !ui.credentialTypes || ui.credentialTypes.includes(c.type));
  const current = typeof value === 'string' ? value : '';
  const missing = current !== '' && items !== null && !items.some((c) => c.id === current);
  return (
    <div className="cred">
      <div className="expr-row">
        <select
          id={id}
          className="input"
          value={current}
          aria-invalid={invalid || missing || undefined}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        >
          <option value="">{items === null ? 'Loading…' : '— none —'}</option>
          {missing && <option value={current}>Missing credential ({current})</option>}
          {fitting.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} · {credentialTypeInfo(c.type)?.label ?? c.type}
            </option>
          ))}
        </select>
        <button type="button" className="btn btn-small" onClick={() => setCreating(true)}>
          New…
        </button>
      </div>
      {error && <p className="field-error">Could not load credentials: {error}</p>}
      {missing && <p className="field-error">This credential no longer exists; pick another.</p>}
      {current === '' && meta && !meta.smtpConfigured && ui.credentialTypes?.includes('smtp') && (
        <p className="callout callout-warn small" role="note">
          No mail server is configured (SMTP_URL), so without an SMTP credential this email is not delivered: it is captured in the{' '}
          <a href="#/outbox">Outbox</a>.
        </p>
      )}
      {creating && (
        <Modal title="New credential" onClose={() => setCreating(false)}>
          <CredentialForm
            {...(ui.credentialTypes ? { allowedTypes: ui.credentialTypes } : {})}
            onCancel={() => setCreating(false)}
            onDone={(c) => {
              setCreating(false);
              void load(true);
              onChange(c.id);
            }}
          />
        </Modal>
      )}
    </div>
  );
}
