/**
 * A JSON editor: the text is kept while it does not parse, and the config updates when it does.
 * Its strings may hold templates: a data picker inserts at the caret, and a preview shows the
 * value with them resolved.
 */
import { useEffect, useState } from 'react';
import { collectTemplatePaths } from '#shared/expressions/template.ts';
import { Picker, PickerButton, PreviewOutput, useIsTrigger, usePicker, usePreview } from './pickable.tsx';
import type { WidgetProps } from './types.ts';

const show = (v: unknown) => (v === undefined ? '' : JSON.stringify(v, null, 2));
const keyOf = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));

/**
 * Text that does not parse yet, per field (`id` names the node and the field), kept outside the
 * component: a tab switch or selecting another node unmounts it, and half-typed JSON must survive
 * that. `base` is the config value it was typed over; if the value changed since (undo), the
 * draft is stale and dropped.
 */
const drafts = new Map<string, { text: string; base: string }>();
export const forgetJsonDrafts = (): void => drafts.clear();

/** Whether `at` is inside a JSON string literal of `text` (an odd number of unescaped quotes before it). */
function insideString(text: string, at: number): boolean {
  let inside = false;
  for (let i = 0; i < at; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') inside = !inside;
  }
  return inside;
}

function parseError(text: string): string | null {
  if (text.trim() === '') return null;
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : 'not valid JSON';
  }
}

export function JsonWidget({ id, nodeId, ui, value, onChange, invalid, describedBy }: WidgetProps & { rows?: number }) {
  const [text, setText] = useState(() => {
    const d = drafts.get(id);
    return d && d.base === keyOf(value) ? d.text : show(value);
  });
  const [error, setError] = useState<string | null>(() => parseError(text));
  useEffect(() => {
    let same = false;
    try {
      same = text.trim() !== '' && JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
    } catch {
      same = false;
    }
    const d = drafts.get(id);
    if (d && d.base === keyOf(value) && d.text === text) return; // our own draft, over this value
    if (!same && !(text.trim() === '' && value === undefined)) {
      drafts.delete(id);
      setText(show(value));
      setError(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only an outside change (undo) resets the text
  }, [value]);
  const edit = (t: string) => {
    setText(t);
    if (t.trim() === '') {
      drafts.delete(id);
      setError(null);
      onChange(undefined);
      return;
    }
    const problem = parseError(t);
    if (problem === null) {
      drafts.delete(id);
      onChange(JSON.parse(t));
    } else {
      drafts.set(id, { text: t, base: keyOf(value) });
    }
    setError(problem);
  };
  // In a string, a pick is a template; between values, a string holding one.
  const picker = usePicker<HTMLTextAreaElement>(text, edit, (path, t, at) => (insideString(t, at.start) ? `{{ ${path} }}` : `"{{ ${path} }}"`));
  const isTrigger = useIsTrigger(nodeId);
  const shouldPreview = !isTrigger && error === null && value !== undefined && collectTemplatePaths(value).length > 0;
  const result = usePreview(nodeId, value, false, shouldPreview);
  const errId = `${id}-json-error`;
  return (
    <>
      <div className="expr-row">
        <textarea
          {...picker.track}
          id={id}
          className="input mono"
          rows={Math.min(14, Math.max(3, text.split('\n').length))}
          spellCheck={false}
          value={text}
          placeholder={ui.placeholder ?? '{ "key": "value" }'}
          readOnly={ui.readOnly}
          aria-invalid={invalid || error !== null || undefined}
          aria-describedby={[describedBy, error ? errId : undefined, shouldPreview ? `${id}-preview` : undefined].filter(Boolean).join(' ') || undefined}
          onChange={(e) => edit(e.target.value)}
        />
        {!isTrigger && !ui.readOnly && <PickerButton label={ui.label} open={picker.open} onToggle={() => picker.setOpen(!picker.open)} remember={picker.remember} />}
      </div>
      <Picker nodeId={nodeId} label={ui.label} open={picker.open} onPick={picker.insert} onClose={() => picker.setOpen(false)} />
      {shouldPreview && <PreviewOutput id={`${id}-preview`} label={ui.label} result={result} />}
      {error && (
        <p className="field-error" id={errId}>
          Not valid JSON yet: {error}
        </p>
      )}
    </>
  );
}
