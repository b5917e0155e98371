/** Create or edit one credential. Stored values are never shown: a blank field keeps what is stored. */
import { useId, useState, type FormEvent } from 'react';
import { credentialDataSchemas, type CredentialType } from '#shared/api/credentials.ts';
import { api, ApiError, errorMessage, type CredentialSummary } from '../api/client.ts';
import { toast } from '../lib/toast.ts';
import { credentialTypeInfo, credentialTypes } from './credential-types.ts';

export function CredentialForm({
  existing,
  allowedTypes,
  onDone,
  onCancel,
}: {
  existing?: CredentialSummary;
  allowedTypes?: readonly string[];
  onDone: (c: CredentialSummary) => void;
  onCancel: () => void;
}) {
  const choices = credentialTypes.filter((t) => !allowedTypes || allowedTypes.includes(t.type));
  const [type, setType] = useState<string>(existing?.type ?? choices[0]?.type ?? 'httpBearer');
  const [name, setName] = useState(existing?.name ?? '');
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const uid = useId();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const info = credentialTypeInfo(type);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!info) return;
    setError(null);
    setFieldErrors({});
    const data: Record<string, unknown> = {};
    for (const f of info.fields) {
      const v = values[f.key];
      if (f.kind === 'switch') {
        if (v !== undefined || !existing) data[f.key] = v === true;
      } else if (typeof v === 'string' && v !== '') data[f.key] = f.kind === 'number' ? Number(v) : v;
    }
    if (!existing) {
      // The server validates the same schema; checking here first puts the message on the field.
      const check = credentialDataSchemas[type as CredentialType].safeParse(data);
      if (!check.success) {
        setFieldErrors(Object.fromEntries(check.error.issues.map((i) => [String(i.path[0] ?? ''), i.message])));
        return;
      }
    }
    setBusy(true);
    try {
      const saved = existing
        ? await api.credentials.update(existing.id, { name: name.trim(), ...(Object.keys(data).length ? { data } : {}) })
        : await api.credentials.create({ name: name.trim(), type, data });
      toast('success', existing ? 'Credential updated' : 'Credential saved', 'Its secrets are encrypted and will not be shown again.');
      onDone(saved);
    } catch (err) {
      if (err instanceof ApiError && err.issues.length) {
        setFieldErrors(Object.fromEntries(err.issues.map((i) => [i.path.split('.').pop() ?? '', i.message])));
      }
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)}>
      <label className="field">
        <span className="field-label">Name</span>
        <input className="input" required value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. CRM API token" autoFocus />
      </label>
      <div className="field">
        <label className="field-label" htmlFor={`${uid}-type`}>
          Type
        </label>
        <select id={`${uid}-type`} className="input" value={type} disabled={!!existing} aria-describedby={`${uid}-type-help`} onChange={(e) => setType(e.target.value)}>
          {choices.map((t) => (
            <option key={t.type} value={t.type}>
              {t.label}
            </option>
          ))}
        </select>
        {info && (
          <span className="field-help" id={`${uid}-type-help`}>
            {info.description}
          </span>
        )}
      </div>
      {info?.fields.map((f) => {
        const isSet = existing?.fields[f.key] === true;
        if (f.kind === 'switch') {
          return (
            <label key={f.key} className="field field-inline">
              <input type="checkbox" checked={values[f.key] === true} onChange={(e) => setValues({ ...values, [f.key]: e.target.checked })} />
              <span>{f.label}</span>
            </label>
          );
        }
        return (
          <label key={f.key} className="field">
            <span className="field-label">
              {f.label} {isSet && <span className="badge status-success">set</span>}
            </span>
            <input
              className="input"
              type={f.kind === 'secret' ? 'password' : f.kind === 'number' ? 'number' : 'text'}
              autoComplete={f.kind === 'secret' ? 'new-password' : 'off'}
              required={!existing && f.required}
              aria-invalid={fieldErrors[f.key] ? true : undefined}
              placeholder={isSet ? 'Stored — leave blank to keep it' : f.placeholder}
              value={typeof values[f.key] === 'string' ? (values[f.key] as string) : ''}
              onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
            />
            {fieldErrors[f.key] && <span className="field-error">{fieldErrors[f.key]}</span>}
          </label>
        );
      })}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="modal-actions">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
          {busy ? 'Saving…' : existing ? 'Save changes' : 'Create credential'}
        </button>
      </div>
    </form>
  );
}
