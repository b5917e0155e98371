/** A list of name/value rows stored as an object (headers, query parameters). */
import { useEffect, useState } from 'react';
import type { WidgetProps } from './types.ts';

type Row = { key: string; value: string };

const toRows = (v: unknown): Row[] =>
  v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v as Record<string, unknown>).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) })) : [];

const toObject = (rows: Row[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const r of rows) if (r.key.trim() !== '') out[r.key.trim()] = r.value;
  return out;
};

export function KeyValueWidget({ id, ui, value, onChange, describedBy }: WidgetProps) {
  // Local rows keep half-typed entries (an empty name) that the stored object cannot hold.
  const [rows, setRows] = useState<Row[]>(() => toRows(value));
  useEffect(() => {
    if (JSON.stringify(toObject(rows)) !== JSON.stringify(value ?? {})) setRows(toRows(value));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only an outside change (undo) resets the rows
  }, [value]);
  const update = (next: Row[]) => {
    setRows(next);
    onChange(toObject(next));
  };
  return (
    <div className="kv" id={id} role="group" aria-label={ui.label} aria-describedby={describedBy}>
      {rows.map((r, i) => (
        <div className="kv-row" key={i}>
          <input
            className="input"
            aria-label={`${ui.label} name ${i + 1}`}
            placeholder="Name"
            value={r.key}
            readOnly={ui.readOnly}
            onChange={(e) => update(rows.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))}
          />
          <input
            className="input"
            aria-label={`${ui.label} value ${i + 1}`}
            placeholder="Value (may hold {{ }})"
            value={r.value}
            readOnly={ui.readOnly}
            onChange={(e) => update(rows.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
          />
          <button type="button" className="btn btn-icon btn-ghost" aria-label={`Remove ${ui.label.toLowerCase()} row ${i + 1}`} onClick={() => update(rows.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      {!ui.readOnly && (
        <button type="button" className="btn btn-small" onClick={() => setRows([...rows, { key: '', value: '' }])}>
          + Add {ui.label.toLowerCase().replace(/s$/, '')}
        </button>
      )}
    </div>
  );
}
