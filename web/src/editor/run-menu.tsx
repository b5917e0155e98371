/**
 * Run, and what it runs with: the main button runs with the default event (a webhook's captured
 * test event, a manual trigger's sample payload); the menu offers the latest real event or custom
 * JSON, and says plainly that actions really run.
 */
import { useState } from 'react';
import { Modal } from '../components/ui.tsx';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { runWorkflow } from './actions.ts';
import { useEditorStore } from './store.ts';

export function RunButton({ disabled, running }: { disabled: boolean; running: boolean }) {
  const triggerType = useEditorStore((s) => s.nodes.find((n) => getNodeDefinition(n.data.type)?.kind === 'trigger')?.data.type);
  const [open, setOpen] = useState(false);
  const [custom, setCustom] = useState<string | null>(null);
  const webhook = triggerType === 'trigger.webhook';
  const choose = (fn: () => void) => () => {
    setOpen(false);
    fn();
  };
  return (
    <div className="run-split">
      <button
        type="button"
        className="btn"
        disabled={disabled}
        onClick={() => void runWorkflow()}
        title={webhook ? 'Run the saved workflow now with the captured test event (saves first)' : 'Run the saved workflow now (saves first)'}
      >
        {running ? 'Starting…' : '▶ Run'}
      </button>
      <button type="button" className="btn btn-icon" aria-label="Run options" aria-haspopup="menu" aria-expanded={open} disabled={disabled} onClick={() => setOpen(!open)}>
        ▾
      </button>
      {open && (
        <div className="run-menu" role="menu" aria-label="Run with" onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
          <button type="button" role="menuitem" onClick={choose(() => void runWorkflow())}>
            {webhook ? 'Run with the test event' : 'Run with the sample'}
          </button>
          <button type="button" role="menuitem" onClick={choose(() => void runWorkflow('latest'))}>
            Run with the latest real event
          </button>
          <button type="button" role="menuitem" onClick={choose(() => setCustom('{\n  \n}'))}>
            Run with custom JSON…
          </button>
          <p className="run-menu-note">Actions really run: requests are sent and emails go out.</p>
        </div>
      )}
      {custom !== null && <CustomRun initial={custom} onClose={() => setCustom(null)} />}
    </div>
  );
}

function CustomRun({ initial, onClose }: { initial: string; onClose: () => void }) {
  const [text, setText] = useState(initial);
  let problem: string | null = null;
  try {
    JSON.parse(text);
  } catch (err) {
    problem = err instanceof Error ? err.message : 'not valid JSON';
  }
  return (
    <Modal title="Run with custom JSON" onClose={onClose}>
      <label className="field-label" htmlFor="custom-run-json">
        The trigger's output for this run
      </label>
      <textarea id="custom-run-json" className="input mono" rows={10} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} aria-invalid={problem !== null || undefined} />
      {problem && <p className="field-error">Not valid JSON yet: {problem}</p>}
      <p className="muted">Actions really run: requests are sent and emails go out.</p>
      <div className="modal-actions">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={problem !== null}
          onClick={() => {
            onClose();
            void runWorkflow({ custom: JSON.parse(text) });
          }}
        >
          Run
        </button>
      </div>
    </Modal>
  );
}
