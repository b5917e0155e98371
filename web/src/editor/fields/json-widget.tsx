/** A JSON editor: the text is kept while it does not parse, and the config updates when it does. */
import { useEffect, useState } from 'react';
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

function parseError(text: string): string | null {
  if (text.trim() === '') return null;
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : 'not valid JSON';
  }
}

export function JsonWidget({ id, ui, value, onChange, invalid, describedBy }: WidgetProps & { rows?: number }) {
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
  const errId = `${id}-json-error`;
  return (
    <>
      <textarea
        id={id}
        className="input mono"
        rows={Math.min(14, Math.max(3, text.split('\n').length))}
        spellCheck={false}
        value={text}
        placeholder={ui.placeholder ?? '{ "key": "value" }'}
        readOnly={ui.readOnly}
        aria-invalid={invalid || error !== null || undefined}
        aria-describedby={[describedBy, error ? errId : undefined].filter(Boolean).join(' ') || undefined}
        onChange={(e) => {
          const t = e.target.value;
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
        }}
      />
      {error && (
        <p className="field-error" id={errId}>
          Not valid JSON yet: {error}
        </p>
      )}
    </>
  );
}
