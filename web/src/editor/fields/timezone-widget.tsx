/** An IANA timezone, typed with suggestions from the browser's list. */
import { useMemo } from 'react';
import type { WidgetProps } from './types.ts';

let zones: string[] | null = null;
function allZones(): string[] {
  if (!zones) {
    const intl = Intl as typeof Intl & { supportedValuesOf?: (k: string) => string[] };
    zones = ['UTC', ...(intl.supportedValuesOf?.('timeZone') ?? [])];
  }
  return zones;
}

function isZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function TimezoneWidget({ id, ui, value, onChange, invalid, describedBy }: WidgetProps) {
  const text = typeof value === 'string' ? value : '';
  const valid = text === '' || isZone(text);
  const local = useMemo(() => Intl.DateTimeFormat().resolvedOptions().timeZone, []);
  return (
    <>
      <div className="expr-row">
        <input
          id={id}
          className="input"
          list={`${id}-zones`}
          value={text}
          placeholder={ui.placeholder ?? 'UTC'}
          aria-invalid={invalid || !valid || undefined}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        />
        {local && local !== text && (
          <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange(local)} title="Use this browser's timezone">
            Use {local}
          </button>
        )}
      </div>
      <datalist id={`${id}-zones`}>
        {allZones().map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
    </>
  );
}
