/**
 * What every template field shares: the `{ }` button that opens the data picker and inserts the
 * picked path at the caret of *its own* control, and a live preview of the field's value against
 * the known sample data. Used by expression fields, key/value rows and the JSON body.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { contextFor, preview, previewVars, type Preview } from '../expressions.ts';
import { useVariableNames } from '../variable-names.ts';
import { useEditorStore } from '../store.ts';
import { DataPicker } from './data-picker.tsx';

type TextControl = HTMLInputElement | HTMLTextAreaElement;
type Caret = { start: number; end: number };

/** Whether the node is a trigger: its expressions see the response it fetched, not earlier steps. */
export function useIsTrigger(nodeId: string): boolean {
  return useEditorStore((s) => getNodeDefinition(s.nodes.find((n) => n.id === nodeId)?.data.type ?? '')?.kind === 'trigger');
}

/**
 * Picker state for one control. `snippet(path, text, at)` is what a pick inserts there (`{{ path }}`
 * in text, the bare path in JSONata, a quoted template between JSON values).
 */
export function usePicker<E extends TextControl>(text: string, onText: (next: string) => void, snippet: (path: string, text: string, at: Caret) => string) {
  const ref = useRef<E>(null);
  const caret = useRef<Caret | null>(null);
  const [open, setOpen] = useState(false);
  const remember = () => {
    const el = ref.current;
    if (el) caret.current = { start: el.selectionStart ?? el.value.length, end: el.selectionEnd ?? el.value.length };
  };
  const insert = (path: string) => {
    const at = caret.current ?? { start: text.length, end: text.length };
    const piece = snippet(path, text, at);
    onText(text.slice(0, at.start) + piece + text.slice(at.end));
    setOpen(false);
    const pos = at.start + piece.length;
    caret.current = { start: pos, end: pos };
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(pos, pos);
    });
  };
  /** Spread on the control: keeps the caret known however it moved. */
  const track = { ref: ref as RefObject<E>, onSelect: remember, onKeyUp: remember, onClick: remember, onBlur: remember };
  return { open, setOpen, remember, insert, track };
}

export function PickerButton({ label, open, onToggle, remember }: { label: string; open: boolean; onToggle: () => void; remember: () => void }) {
  return (
    <button
      type="button"
      className={`btn btn-icon expr-pick${open ? ' on' : ''}`}
      aria-label={`Insert data into ${label}`}
      aria-expanded={open}
      title="Insert data from earlier steps"
      onMouseDown={remember}
      onClick={onToggle}
    >
      {'{ }'}
    </button>
  );
}

export function Picker({ nodeId, label, open, onPick, onClose }: { nodeId: string; label: string; open: boolean; onPick: (path: string) => void; onClose: () => void }) {
  return open ? <DataPicker nodeId={nodeId} label={label} onPick={onPick} onClose={onClose} /> : null;
}

/** The preview of `value` (templates resolved, or `jsonata` evaluated), 200 ms after it stops changing; null while off. */
export function usePreview(nodeId: string, value: unknown, jsonata: boolean, enabled: boolean): Preview | null {
  const [result, setResult] = useState<Preview | null>(null);
  const samples = useEditorStore((s) => s.sampleData);
  const variables = useVariableNames((s) => s.items);
  const key = typeof value === 'string' ? value : JSON.stringify(value);
  useEffect(() => {
    if (enabled) void useVariableNames.getState().load();
  }, [enabled]);
  useEffect(() => {
    if (!enabled) {
      setResult(null);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      const s = useEditorStore.getState();
      const ctx = contextFor(nodeId, s.nodes, s.edges, samples, { id: s.workflow?.id ?? '', name: s.name }, previewVars(variables ?? []));
      void preview(value, ctx, jsonata).then((r) => live && setResult(r));
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` stands for `value`
  }, [key, nodeId, jsonata, enabled, samples, variables]);
  return result;
}

export function PreviewOutput({ id, label, result }: { id: string; label: string; result: Preview | null }) {
  return (
    <output id={id} className={`expr-preview${result && !result.ok ? ' is-error' : ''}`} aria-label={`Preview of ${label}`}>
      <span className="expr-preview-label">{result && !result.ok ? 'Error' : 'Preview'}</span>
      <span className="expr-preview-value">{result === null ? '…' : result.ok ? result.text || '(empty)' : result.error}</span>
    </output>
  );
}
