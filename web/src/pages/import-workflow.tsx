/**
 * The import dialog: a workflow document pasted as JSON, or read from a file. A taken name gets "(copy)".
 * Credentials the server cannot match by itself (import-mapping.ts) are offered for mapping first;
 * afterwards it says which credentials and variables are still missing.
 */
import { useRef, useState } from 'react';
import { api, errorMessage, type ImportReport } from '../api/client.ts';
import { requiredCredentials, unmatchedCredentials, type LocalCredential, type RequiredCredential } from './import-mapping.ts';
import { Modal } from '../components/ui.tsx';
import { toast } from '../lib/toast.ts';

/** The credentials and variables an import could not find here, in a sentence ('' when none). */
export function missingWords(report: ImportReport | undefined): string {
  if (!report) return '';
  const creds = report.credentials.missing.map((c) => (c.name ? `“${c.name}”${c.type ? ` (${c.type})` : ''}` : c.id));
  const vars = report.variables.missing.map((v) => `vars.${v.name}`);
  const parts = [creds.length ? `credentials ${creds.join(', ')}` : '', vars.length ? `variables ${vars.join(', ')}` : ''].filter(Boolean);
  return parts.length ? `Missing ${parts.join('; ')}. Add them (Credentials, Variables) and pick the credentials in the nodes.` : '';
}

export function ImportWorkflow({ onClose, onImported }: { onClose: () => void; onImported: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  // Set when the document needs credentials the server would not match: the user maps them, then imports.
  const [mapping, setMapping] = useState<{ doc: object; rows: { need: RequiredCredential; choices: LocalCredential[] }[] } | null>(null);
  const [picked, setPicked] = useState<Record<string, string>>({});

  const submit = async (source: string) => {
    let doc: unknown;
    try {
      doc = JSON.parse(source);
    } catch {
      setError('This is not valid JSON: paste the whole exported document.');
      return;
    }
    const required = requiredCredentials(doc);
    if (required.length && typeof doc === 'object' && doc) {
      try {
        const rows = unmatchedCredentials(required, (await api.credentials.list()).items);
        if (rows.length) {
          setMapping({ doc, rows });
          return;
        }
      } catch {
        // The list could not be read: import anyway, the answer says what is missing.
      }
    }
    await send(doc, {});
  };

  const send = async (doc: unknown, credentialMap: Record<string, string>) => {
    setBusy(true);
    setError(null);
    try {
      const body = Object.keys(credentialMap).length ? { ...(doc as object), credentialMap } : doc;
      const wf = await api.workflows.importDoc(body);
      toast('success', `Imported “${wf.name}”`, 'Webhook triggers got new URLs. It starts inactive.');
      const missing = missingWords(wf.import);
      if (missing) toast('error', 'Some things it needs are missing here', missing);
      onImported();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  if (mapping) {
    return (
      <Modal title="Map credentials" onClose={onClose}>
        <div className="form">
          <p>This workflow uses credentials this server has no single match for. Pick one for each, or leave it missing and pick it in the node later.</p>
          {mapping.rows.map(({ need, choices }) => (
            <label key={need.id} className="field">
              <span className="field-label">
                {need.name ?? need.id}
                {need.type ? ` (${need.type})` : ''}
              </span>
              <select className="input" value={picked[need.id] ?? ''} onChange={(e) => setPicked({ ...picked, [need.id]: e.target.value })}>
                <option value="">Leave missing</option>
                {choices.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name} ({c.type})
                  </option>
                ))}
              </select>
            </label>
          ))}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <div className="modal-actions">
            <button type="button" className="btn" onClick={() => setMapping(null)} disabled={busy}>
              Back
            </button>
            <span className="spacer" />
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={() => void send(mapping.doc, Object.fromEntries(Object.entries(picked).filter(([, to]) => to)))}
            >
              {busy ? 'Importing…' : 'Import'}
            </button>
          </div>
        </div>
      </Modal>
    );
  }

  return (
    <Modal title="Import a workflow" onClose={onClose}>
      <div className="form">
        <label className="field">
          <span className="field-label">Workflow JSON</span>
          <textarea className="input mono" rows={10} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} placeholder='{ "format": "switchyard.workflow/v1", "workflow": { … } }' />
        </label>
        <input
          ref={fileRef}
          type="file"
          accept="application/json,.json"
          hidden
          aria-label="Workflow file to import"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void f.text().then(submit);
          }}
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" className="btn" onClick={() => fileRef.current?.click()} disabled={busy}>
            Choose a file…
          </button>
          <span className="spacer" />
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={busy || text.trim() === ''} onClick={() => void submit(text)}>
            {busy ? 'Importing…' : 'Import'}
          </button>
        </div>
      </div>
    </Modal>
  );
}
