/**
 * The workflow settings dialog (toolbar → Settings): alert e-mails, concurrency and timeout, i.e.
 * the workflow's `settings` (shared/workflow.ts WorkflowSettings). Saving saves the draft with
 * them; faults, the shared schema's here or the server's (`settings.*` paths), show at their field.
 */
import { useRef, useState, type FormEvent, type InputHTMLAttributes } from 'react';
import { create } from 'zustand';
import { fromZodIssues } from '#shared/issues.ts';
import { WorkflowSettings } from '#shared/workflow.ts';
import { Modal } from '../components/ui.tsx';
import { saveSettings } from './actions.ts';
import { byPath, draftOf, settingsOf, type Draft } from './settings-form.ts';
import { useEditorStore } from './store.ts';

/** Whether the dialog is open (from the toolbar's Settings button, or the Runs menu where narrow windows fold that away). */
export const useSettingsDialog = create<{ isOpen: boolean; show(): void; close(): void }>()((set) => ({
  isOpen: false,
  show: () => set({ isOpen: true }),
  close: () => set({ isOpen: false }),
}));

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(useEditorStore.getState().workflow?.settings ?? {}));
  const [faults, setFaults] = useState<Map<string, string>>(new Map());
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const list = useRef<HTMLUListElement>(null);
  /** Changes the draft; a field edited loses its fault (the next save checks it again). */
  const set = (patch: Partial<Draft>, path?: string) => {
    setDraft((d) => ({ ...d, ...patch }));
    if (path && faults.has(path)) setFaults((f) => new Map([...f].filter(([k]) => k !== path)));
  };
  const setEmail = (i: number, v: string) => set({ emails: draft.emails.map((e, j) => (j === i ? v : e)) }, `alerts.email.${i}`);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const parsed = WorkflowSettings.safeParse(settingsOf(draft));
    if (!parsed.success) return setFaults(byPath(fromZodIssues(parsed.error.issues), draft));
    setFaults(new Map());
    setBusy(true);
    const r = await saveSettings(parsed.data);
    setBusy(false);
    if (r.ok) return onClose();
    const settingsIssues = r.issues.filter((i) => i.path.startsWith('settings.'));
    setFaults(byPath(settingsIssues, draft));
    // Faults elsewhere (an active workflow's graph) cannot be fixed here: said once, plainly.
    if (settingsIssues.length === 0) setFormError(r.message);
  };

  const fault = (path: string, id: string) =>
    faults.get(path) ? (
      <span className="field-error" id={id}>
        {faults.get(path)}
      </span>
    ) : null;
  const invalid = (path: string) => (faults.has(path) ? true : undefined);
  /** The field's help, and its fault when it has one. */
  const described = (path: string, id: string, help?: string) => [help, faults.has(path) ? id : undefined].filter(Boolean).join(' ') || undefined;

  return (
    <Modal title="Workflow settings" onClose={onClose} className="settings-modal">
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <fieldset className="settings-section">
          <legend>Alerts</legend>
          <p className="field-help">E-mail these addresses when a run fails (once per node and error per hour) and when it succeeds again.</p>
          <ul className="settings-emails" ref={list} aria-label="Alert e-mail addresses">
            {draft.emails.map((email, i) => (
              <li key={i} className="field">
                <label className="field-label" htmlFor={`alert-email-${i}`}>
                  Alert e-mail {i + 1}
                </label>
                <span className="settings-email-row">
                  <input
                    id={`alert-email-${i}`}
                    className="input"
                    type="email"
                    autoComplete="email"
                    value={email}
                    placeholder="ops@example.com"
                    aria-invalid={invalid(`alerts.email.${i}`)}
                    aria-describedby={described(`alerts.email.${i}`, `alert-email-${i}-error`)}
                    onChange={(e) => setEmail(i, e.target.value)}
                  />
                  <button
                    type="button"
                    className="btn btn-ghost"
                    aria-label={`Remove alert e-mail ${i + 1}`}
                    onClick={() => set({ emails: draft.emails.length > 1 ? draft.emails.filter((_, j) => j !== i) : [''] })}
                  >
                    Remove
                  </button>
                </span>
                {fault(`alerts.email.${i}`, `alert-email-${i}-error`)}
              </li>
            ))}
          </ul>
          {fault('alerts.email', 'alert-emails-error')}
          <button
            type="button"
            className="btn"
            disabled={draft.emails.length >= 20}
            onClick={() => {
              set({ emails: [...draft.emails, ''] });
              requestAnimationFrame(() => list.current?.querySelector<HTMLInputElement>('li:last-child input')?.focus());
            }}
          >
            Add e-mail
          </button>
          <label className="field field-inline">
            <input type="checkbox" checked={draft.onFailure} onChange={(e) => set({ onFailure: e.target.checked })} />
            <span>On failure</span>
          </label>
          <label className="field field-inline">
            <input type="checkbox" checked={draft.onRecovery} onChange={(e) => set({ onRecovery: e.target.checked })} />
            <span>On recovery (the first success after a failure alert)</span>
          </label>
        </fieldset>

        <fieldset className="settings-section">
          <legend>Concurrency</legend>
          <SettingField
            id="concurrency-limit"
            label="Limit"
            help="At most this many runs of this workflow at once."
            fault={faults.get('concurrency.limit')}
            input={{ type: 'number', min: 1, max: 1000, inputMode: 'numeric', placeholder: 'No limit', value: draft.limit }}
            onChange={(v) => set({ limit: v }, 'concurrency.limit')}
          />
          <SettingField
            id="concurrency-key"
            label="Key (optional)"
            help="A JSONata expression over the trigger event: the limit holds per value of it."
            fault={faults.get('concurrency.key')}
            input={{ className: 'input mono', placeholder: '$.body.customerId', value: draft.key }}
            onChange={(v) => set({ key: v }, 'concurrency.key')}
          />
        </fieldset>

        <fieldset className="settings-section">
          <legend>Timeout</legend>
          <SettingField
            id="timeout-seconds"
            label="Timeout (seconds)"
            help="A run taking longer (waits not counted) fails with EXECUTION_TIMEOUT."
            fault={faults.get('timeoutSeconds')}
            input={{ type: 'number', min: 1, inputMode: 'numeric', placeholder: 'No timeout', value: draft.timeout }}
            onChange={(v) => set({ timeout: v }, 'timeoutSeconds')}
          />
        </fieldset>

        {formError && (
          <p className="field-error" role="alert">
            {formError}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save settings'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** One labelled input with its help line and, when it has one, its fault (described by both). */
function SettingField(p: {
  id: string;
  label: string;
  help: string;
  fault: string | undefined;
  input: InputHTMLAttributes<HTMLInputElement> & { value: string };
  onChange(value: string): void;
}) {
  const errorId = `${p.id}-error`;
  const helpId = `${p.id}-help`;
  return (
    <div className="field">
      <label className="field-label" htmlFor={p.id}>
        {p.label}
      </label>
      <input
        className="input"
        {...p.input}
        id={p.id}
        onChange={(e) => p.onChange(e.target.value)}
        aria-invalid={p.fault ? true : undefined}
        aria-describedby={p.fault ? `${helpId} ${errorId}` : helpId}
      />
      <span className="field-help" id={helpId}>
        {p.help}
      </span>
      {p.fault && (
        <span className="field-error" id={errorId}>
          {p.fault}
        </span>
      )}
    </div>
  );
}
