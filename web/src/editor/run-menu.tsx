/**
 * Run, and what it runs with: the main button runs with the default event (a webhook's captured
 * test event, a manual trigger's sample payload); the menu offers the latest real event or custom
 * JSON, and says plainly that actions really run.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Modal } from '../components/ui.tsx';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { runWorkflow } from './actions.ts';
import { useEditorStore } from './store.ts';

export function RunButton({ disabled, running }: { disabled: boolean; running: boolean }) {
  const triggerType = useEditorStore((s) => s.nodes.find((n) => getNodeDefinition(n.data.type)?.kind === 'trigger')?.data.type);
  const [open, setOpen] = useState(false);
  const [custom, setCustom] = useState<string | null>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const webhook = triggerType === 'trigger.webhook';
  /** Closes the menu; `refocus` puts focus back on its button (Escape, a choice), not on a click elsewhere. */
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) toggle.current?.focus();
  };
  const choose = (fn: () => void) => () => {
    close(true);
    fn();
  };

  // Open: focus goes to the first item; a press outside the menu closes it.
  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const outside = (e: PointerEvent) => {
      if (!menu.current?.contains(e.target as Node) && !toggle.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  const onMenuKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = [...e.currentTarget.querySelectorAll<HTMLElement>('[role="menuitem"]')];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const move = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key];
    if (move !== undefined) {
      e.preventDefault();
      items[(move + items.length) % items.length]?.focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
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
      <button
        ref={toggle}
        type="button"
        className="btn btn-icon"
        aria-label="Run options"
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={disabled}
        onClick={() => setOpen(!open)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        ▾
      </button>
      {open && (
        <div ref={menu} className="run-menu" role="menu" aria-label="Run with" onKeyDown={onMenuKey}>
          <button type="button" role="menuitem" tabIndex={-1} onClick={choose(() => void runWorkflow())}>
            {webhook ? 'Run with the test event' : 'Run with the sample'}
          </button>
          <button type="button" role="menuitem" tabIndex={-1} onClick={choose(() => void runWorkflow('latest'))}>
            Run with the latest real event
          </button>
          <button type="button" role="menuitem" tabIndex={-1} onClick={choose(() => setCustom('{\n  \n}'))}>
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
      <textarea id="custom-run-json" autoFocus className="input mono" rows={10} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} aria-invalid={problem !== null || undefined} />
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
