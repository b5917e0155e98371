/** Plain widgets: text, textarea, number, select, multi-select, switch. */
import { enumOptions, isOptional } from '../schema.ts';
import type { WidgetProps } from './types.ts';

const str = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

export function TextWidget({ id, ui, value, onChange, invalid, describedBy }: WidgetProps) {
  return (
    <input
      id={id}
      type="text"
      className="input"
      value={str(value)}
      placeholder={ui.placeholder}
      readOnly={ui.readOnly}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
    />
  );
}

export function TextareaWidget({ id, ui, value, onChange, invalid, describedBy }: WidgetProps) {
  return (
    <textarea
      id={id}
      className="input"
      rows={4}
      value={str(value)}
      placeholder={ui.placeholder}
      readOnly={ui.readOnly}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
    />
  );
}

export function NumberWidget({ id, ui, value, onChange, invalid, describedBy }: WidgetProps) {
  return (
    <input
      id={id}
      type="number"
      className="input"
      value={typeof value === 'number' ? value : str(value)}
      placeholder={ui.placeholder}
      readOnly={ui.readOnly}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      onChange={(e) => {
        const raw = e.target.value;
        onChange(raw === '' ? undefined : Number.isFinite(Number(raw)) ? Number(raw) : raw);
      }}
    />
  );
}

export function optionsFor(props: Pick<WidgetProps, 'ui' | 'schema'>): { value: string; label: string }[] {
  return props.ui.options ? [...props.ui.options] : enumOptions(props.schema).map((v) => ({ value: v, label: v }));
}

export function SelectWidget(props: WidgetProps) {
  const { id, value, onChange, invalid, describedBy, ui, schema } = props;
  const options = optionsFor(props);
  const optional = isOptional(schema);
  return (
    <select
      id={id}
      className="input"
      value={str(value)}
      disabled={ui.readOnly}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
    >
      {(optional || value === undefined) && <option value="">{optional ? '— none —' : 'Choose…'}</option>}
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

export function MultiSelectWidget(props: WidgetProps) {
  const { id, value, onChange, ui, describedBy } = props;
  const selected = new Set(Array.isArray(value) ? value.map(String) : []);
  const options = optionsFor(props);
  return (
    <div id={id} className="chips" role="group" aria-label={ui.label} aria-describedby={describedBy}>
      {options.map((o) => {
        const on = selected.has(o.value);
        return (
          <label key={o.value} className={`chip${on ? ' on' : ''}`}>
            <input
              type="checkbox"
              checked={on}
              disabled={ui.readOnly}
              onChange={() => {
                const next = options.map((x) => x.value).filter((v) => (v === o.value ? !on : selected.has(v)));
                onChange(next);
              }}
            />
            {o.label}
          </label>
        );
      })}
    </div>
  );
}

export function SwitchWidget({ id, ui, value, onChange, describedBy }: WidgetProps) {
  const on = value === true;
  return (
    <button
      id={id}
      type="button"
      role="switch"
      aria-checked={on}
      aria-describedby={describedBy}
      disabled={ui.readOnly}
      className={`switch${on ? ' on' : ''}`}
      onClick={() => onChange(!on)}
    >
      <span className="switch-thumb" />
    </button>
  );
}
