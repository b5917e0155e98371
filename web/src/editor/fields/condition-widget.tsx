/**
 * A condition without writing JSONata: rows of value (picked or typed) · operator · value, joined
 * by all or any, stored as the JSONata they compile to (conditions.ts). "Edit as expression" shows
 * the text; the builder comes back when the text is one it could have written. JavaScript habits
 * (==, &&, ||) are named by the compile check, in the field's error.
 */
import { useEffect, useRef, useState } from 'react';
import { fromJsonata, isUnary, OPERATORS, toJsonata, type ConditionRow, type Conditions, type Operator } from '../conditions.ts';
import { ExpressionWidget } from './expression-widget.tsx';
import { Picker, PickerButton, usePicker } from './pickable.tsx';
import type { WidgetProps } from './types.ts';

const EMPTY_ROW: ConditionRow = { left: '', op: 'eq', right: '' };

export function ConditionWidget(props: WidgetProps) {
  const { id, nodeId, ui, value, onChange } = props;
  const text = typeof value === 'string' ? value : '';
  const parsed = fromJsonata(text);
  const [asText, setAsText] = useState(parsed === undefined);
  // What is on screen when the stored text does not read back the same: a row not filled in yet,
  // or a value typed halfway. Dropped when the value changes from outside (undo, another node).
  const [draft, setDraft] = useState<Conditions | null>(null);
  const written = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (text !== written.current) setDraft(null);
  }, [text]);
  const builder = !asText && (draft !== null || parsed !== undefined);
  const model: Conditions = parsed && parsed.rows.length > 0 ? parsed : { join: parsed?.join ?? 'and', rows: [EMPTY_ROW] };
  const shown = draft ?? model;
  const update = (next: Conditions) => {
    const rows = next.rows.filter((r) => r.left.trim() !== '');
    const out = rows.length ? toJsonata({ ...next, rows }) : '';
    written.current = out;
    onChange(out || undefined);
    const back = fromJsonata(out);
    const same = back !== undefined && JSON.stringify(back.rows) === JSON.stringify(next.rows) && (next.rows.length < 2 || back.join === next.join);
    setDraft(same ? null : next);
  };

  return (
    <div className="cond">
      <div className="cond-mode">
        <button
          type="button"
          className="btn btn-small btn-ghost"
          aria-pressed={builder}
          disabled={builder || parsed === undefined}
          onClick={() => setAsText(false)}
          title={parsed === undefined ? 'This expression is more than a list of conditions: edit it as text' : undefined}
        >
          Build
        </button>
        <button type="button" className="btn btn-small btn-ghost" aria-pressed={!builder} disabled={!builder} onClick={() => setAsText(true)}>
          Edit as expression
        </button>
        <a className="small" href="https://docs.jsonata.org/overview" target="_blank" rel="noreferrer">
          JSONata docs
        </a>
      </div>
      {builder ? (
        <div className="cond-rows" role="group" aria-label={`${ui.label} rows`}>
          {shown.rows.length > 1 && (
            <label className="cond-join">
              Run when{' '}
              <select className="input" aria-label="Join" value={shown.join} onChange={(e) => update({ ...shown, join: e.target.value as Conditions['join'] })}>
                <option value="and">all of these hold</option>
                <option value="or">any of these holds</option>
              </select>
            </label>
          )}
          {shown.rows.map((r, i) => (
            <Row
              key={i}
              id={i === 0 ? id : `${id}-${i}`}
              nodeId={nodeId}
              index={i}
              row={r}
              onRow={(next) => update({ ...shown, rows: shown.rows.map((x, j) => (j === i ? next : x)) })}
              onRemove={shown.rows.length > 1 ? () => update({ ...shown, rows: shown.rows.filter((_, j) => j !== i) }) : undefined}
            />
          ))}
          <button type="button" className="btn btn-small" onClick={() => setDraft({ ...shown, rows: [...shown.rows, EMPTY_ROW] })}>
            + Add condition
          </button>
        </div>
      ) : (
        <ExpressionWidget {...props} />
      )}
    </div>
  );
}

type RowProps = { id: string; nodeId: string; index: number; row: ConditionRow; onRow(next: ConditionRow): void; onRemove?: () => void };

function Row({ id, nodeId, index, row, onRow, onRemove }: RowProps) {
  const n = index + 1;
  // Only the picker's open state and caret tracking are used: a pick replaces the value (onPick
  // below), since it is one path, not text with a path in it.
  const picker = usePicker<HTMLInputElement>(row.left, (left) => onRow({ ...row, left }), (path) => path);
  return (
    <div className="cond-row-wrap">
      <div className="cond-row">
        <input {...picker.track} id={id} className="input mono" aria-label={`Condition ${n} value`} placeholder="steps.webhook.body.plan" value={row.left} onChange={(e) => onRow({ ...row, left: e.target.value })} />
        <PickerButton label={`Condition ${n} value`} open={picker.open} onToggle={() => picker.setOpen(!picker.open)} remember={picker.remember} />
        <select className="input" aria-label={`Condition ${n} operator`} value={row.op} onChange={(e) => onRow({ ...row, op: e.target.value as Operator })}>
          {OPERATORS.map((o) => (
            <option key={o.op} value={o.op}>
              {o.label}
            </option>
          ))}
        </select>
        {!isUnary(row.op) && (
          <input className="input" aria-label={`Condition ${n} compared with`} placeholder={row.op === 'regex' ? '^[a-z]+$' : 'pro'} value={row.right} onChange={(e) => onRow({ ...row, right: e.target.value })} />
        )}
        {onRemove && (
          <button type="button" className="btn btn-icon btn-ghost" aria-label={`Remove condition ${n}`} onClick={onRemove}>
            ✕
          </button>
        )}
      </div>
      <Picker nodeId={nodeId} label={`Condition ${n} value`} open={picker.open} onPick={(path) => onRow({ ...row, left: path })} onClose={() => picker.setOpen(false)} />
    </div>
  );
}
