/** The import dialog: a workflow document pasted as JSON, or read from a file. A taken name gets "(copy)". */
import { useRef, useState } from 'react';
import { api, errorMessage, type ImportReport } from '../api/client.ts';
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

  const submit = async (source: string) => {
    let doc: unknown;
    try {
      doc = JSON.parse(source);
    } catch {
      setError('This is not valid JSON: paste the whole exported document.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const wf = await api.workflows.importDoc(doc);
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
