/** The new-workflow dialog: a name and a trigger to start with, or one of the templates. */
import { useState, type FormEvent } from 'react';
import { getNodeDefinition, nodeDefinitions } from '#shared/nodes/registry.ts';
import { api, errorMessage } from '../api/client.ts';
import { Modal } from '../components/ui.tsx';
import { defaultConfig } from '../editor/schema.ts';
import { navigate } from '../lib/router.ts';
import { TemplateGallery } from './template-gallery.tsx';

const triggers = nodeDefinitions.filter((d) => d.kind === 'trigger');

export function CreateWorkflow({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [trigger, setTrigger] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const def = trigger ? getNodeDefinition(trigger) : undefined;
    try {
      const nodes = def ? [{ id: trigger.split('.').pop() ?? 'trigger', type: trigger, position: { x: 0, y: 0 }, config: defaultConfig(def) }] : [];
      const wf = await api.workflows.create({ name: name.trim() || 'Untitled workflow', nodes, edges: [] });
      navigate(`/workflows/${encodeURIComponent(wf.id)}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <Modal title="New workflow" onClose={onClose}>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <label className="field">
          <span className="field-label">Name</span>
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. New signup → CRM" autoFocus />
        </label>
        <fieldset className="choices">
          <legend className="field-label">Start with</legend>
          {triggers.map((t) => (
            <label key={t.type} className={`choice${trigger === t.type ? ' on' : ''}`}>
              <input type="radio" name="trigger" value={t.type} checked={trigger === t.type} onChange={() => setTrigger(t.type)} />
              <span className="choice-icon" aria-hidden="true">
                {t.icon}
              </span>
              <span>
                <strong>{t.title}</strong>
                <span className="muted small">{t.description}</span>
              </span>
            </label>
          ))}
          <label className={`choice${trigger === '' ? ' on' : ''}`}>
            <input type="radio" name="trigger" value="" checked={trigger === ''} onChange={() => setTrigger('')} />
            <span className="choice-icon" aria-hidden="true">
              ✎
            </span>
            <span>
              <strong>An empty canvas</strong>
              <span className="muted small">Pick the trigger in the editor</span>
            </span>
          </label>
        </fieldset>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create and open'}
          </button>
        </div>
      </form>
      <TemplateGallery heading="Or start from a template" />
    </Modal>
  );
}
