/**
 * An expression field: text with `{{ }}` templates (or bare JSONata for conditions and transforms),
 * a data picker that inserts paths at the caret, and a live preview against the known sample data.
 */
import { COMPILE_FAULT } from '#shared/graph/expressions.ts';
import { useEffect, useRef, useState } from 'react';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { contextFor, hasTemplate, isJsonataField, preview, type Preview } from '../expressions.ts';
import { useEditorStore } from '../store.ts';
import { DataPicker } from './data-picker.tsx';
import type { WidgetProps } from './types.ts';

const asString = (v: unknown): string => (v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : JSON.stringify(v));

export function ExpressionWidget({ id, nodeId, ui, value, onChange, invalid, describedBy }: WidgetProps) {
  const text = asString(value);
  const jsonata = isJsonataField(ui);
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const caret = useRef<{ start: number; end: number } | null>(null);
  const [open, setOpen] = useState(false);
  const [result, setResult] = useState<Preview | null>(null);
  const samples = useEditorStore((s) => s.sampleData);
  // A trigger starts the run: its expressions see the response it fetched, not earlier steps.
  const isTrigger = useEditorStore((s) => getNodeDefinition(s.nodes.find((n) => n.id === nodeId)?.data.type ?? '')?.kind === 'trigger');

  const remember = () => {
    const el = ref.current;
    if (el) caret.current = { start: el.selectionStart ?? el.value.length, end: el.selectionEnd ?? el.value.length };
  };

  const insert = (path: string) => {
    const snippet = jsonata ? path : `{{ ${path} }}`;
    const at = caret.current ?? { start: text.length, end: text.length };
    const next = text.slice(0, at.start) + snippet + text.slice(at.end);
    onChange(next);
    setOpen(false);
    const pos = at.start + snippet.length;
    caret.current = { start: pos, end: pos };
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(pos, pos);
    });
  };

  const shouldPreview = !isTrigger && text !== '' && (jsonata || hasTemplate(text));
  useEffect(() => {
    if (!shouldPreview) {
      setResult(null);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      const s = useEditorStore.getState();
      const ctx = contextFor(nodeId, s.nodes, s.edges, samples, { id: s.workflow?.id ?? '', name: s.name });
      void preview(text, ctx, jsonata).then((r) => live && setResult(r));
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [text, nodeId, jsonata, shouldPreview, samples]);

  const common = {
    id,
    ref,
    className: 'input mono',
    value: text,
    placeholder: ui.placeholder ?? (jsonata ? 'JSONata, e.g. input.body.total > 100' : 'Text, may hold {{ expressions }}'),
    readOnly: ui.readOnly,
    spellCheck: false,
    'aria-invalid': invalid || undefined,
    'aria-describedby': [describedBy, shouldPreview ? `${id}-preview` : undefined].filter(Boolean).join(' ') || undefined,
    onChange: (e: { target: { value: string } }) => onChange(e.target.value === '' ? undefined : e.target.value),
    onSelect: remember,
    onKeyUp: remember,
    onClick: remember,
    onBlur: remember,
  };

  return (
    <div className="expr">
      <div className="expr-row">
        {jsonata ? <textarea rows={2} {...common} /> : <input type="text" {...common} />}
        {!isTrigger && (
        <button
          type="button"
          className={`btn btn-icon expr-pick${open ? ' on' : ''}`}
          aria-label={`Insert data into ${ui.label}`}
          aria-expanded={open}
          title="Insert data from earlier steps"
          onMouseDown={remember}
          onClick={() => setOpen(!open)}
        >
          {'{ }'}
        </button>
        )}
      </div>
      {open && <DataPicker nodeId={nodeId} label={ui.label} onPick={insert} onClose={() => setOpen(false)} />}
      {/* A compile fault is already the field's own error message, in the same words: not twice. */}
      {shouldPreview && !(invalid && result && !result.ok && result.error.startsWith(COMPILE_FAULT)) && (
        <output id={`${id}-preview`} className={`expr-preview${result && !result.ok ? ' is-error' : ''}`} aria-label={`Preview of ${ui.label}`}>
          <span className="expr-preview-label">{result && !result.ok ? 'Error' : 'Preview'}</span>
          <span className="expr-preview-value">{result === null ? '…' : result.ok ? result.text || '(empty)' : result.error}</span>
        </output>
      )}
    </div>
  );
}
