/** A list of name/value rows stored as an object (headers, query parameters); values may hold templates. */
import { useEffect, useState } from 'react';
import { hasTemplate } from '../expressions.ts';
import { Picker, PickerButton, PreviewOutput, usePicker, usePreview } from './pickable.tsx';
import type { WidgetProps } from './types.ts';

type Row = { key: string; value: string };

const toRows = (v: unknown): Row[] =>
  v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v as Record<string, unknown>).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) })) : [];

const toObject = (rows: Row[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const r of rows) if (r.key.trim() !== '') out[r.key.trim()] = r.value;
  return out;
};

export function KeyValueWidget({ id, nodeId, ui, value, onChange, describedBy }: WidgetProps) {
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
        <KeyValueRow
          key={i}
          id={`${id}-${i}`}
          nodeId={nodeId}
          label={ui.label}
          index={i}
          row={r}
          readOnly={ui.readOnly}
          onRow={(next) => update(rows.map((x, j) => (j === i ? next : x)))}
          onRemove={() => update(rows.filter((_, j) => j !== i))}
        />
      ))}
      {!ui.readOnly && (
        <button type="button" className="btn btn-small" onClick={() => setRows([...rows, { key: '', value: '' }])}>
          + Add {ui.label.toLowerCase().replace(/s$/, '')}
        </button>
      )}
    </div>
  );
}

type RowProps = { id: string; nodeId: string; label: string; index: number; row: Row; readOnly: boolean | undefined; onRow(next: Row): void; onRemove(): void };

/** One name/value pair; the value has its own data picker and preview. */
function KeyValueRow({ id, nodeId, label, index, row, readOnly, onRow, onRemove }: RowProps) {
  const valueLabel = `${label} value ${index + 1}`;
  const picker = usePicker<HTMLInputElement>(row.value, (v) => onRow({ ...row, value: v }), (path) => `{{ ${path} }}`);
  const shouldPreview = hasTemplate(row.value);
  const result = usePreview(nodeId, row.value, false, shouldPreview);
  return (
    <div className="kv-item">
      <div className="kv-row">
        <input className="input" aria-label={`${label} name ${index + 1}`} placeholder="Name" value={row.key} readOnly={readOnly} onChange={(e) => onRow({ ...row, key: e.target.value })} />
        <input
          {...picker.track}
          className="input"
          aria-label={valueLabel}
          aria-describedby={shouldPreview ? `${id}-preview` : undefined}
          placeholder="Value (may hold {{ }})"
          value={row.value}
          readOnly={readOnly}
          onChange={(e) => onRow({ ...row, value: e.target.value })}
        />
        {!readOnly && <PickerButton label={valueLabel} open={picker.open} onToggle={() => picker.setOpen(!picker.open)} remember={picker.remember} />}
        <button type="button" className="btn btn-icon btn-ghost" aria-label={`Remove ${label.toLowerCase()} row ${index + 1}`} onClick={onRemove}>
          ✕
        </button>
      </div>
      <Picker nodeId={nodeId} label={valueLabel} open={picker.open} onPick={picker.insert} onClose={() => picker.setOpen(false)} />
      {shouldPreview && <PreviewOutput id={`${id}-preview`} label={valueLabel} result={result} />}
    </div>
  );
}
