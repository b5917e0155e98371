/** A JSON editor: the text is kept while it does not parse, and the config updates when it does. */
import { useEffect, useState } from 'react';
import type { WidgetProps } from './types.ts';

const show = (v: unknown) => (v === undefined ? '' : JSON.stringify(v, null, 2));

export function JsonWidget({ id, ui, value, onChange, invalid, describedBy }: WidgetProps & { rows?: number }) {
  const [text, setText] = useState(() => show(value));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let same = false;
    try {
      same = text.trim() !== '' && JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
    } catch {
      same = false;
    }
    if (!same && !(text.trim() === '' && value === undefined)) {
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
            setError(null);
            onChange(undefined);
            return;
          }
          try {
            onChange(JSON.parse(t));
            setError(null);
          } catch (err) {
            setError(err instanceof Error ? err.message : 'not valid JSON');
          }
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
