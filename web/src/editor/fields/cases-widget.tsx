/**
 * A switch's cases: an ordered list of rows, each a name (it becomes the output handle's name) and
 * a condition built like an If's (ConditionWidget). Cases can be added, moved and removed; the
 * node's handles follow (logic-switch.ts `switchHandles`), and an edge left on a removed or renamed
 * case is flagged by the graph check.
 */
import { MAX_CASES } from '#shared/nodes/logic-switch.ts';
import { ConditionWidget } from './condition-widget.tsx';
import type { WidgetProps } from './types.ts';

type Case = { name?: string; condition?: string };

/** "case 1", "case 2", …: the first such name not taken. */
export function nextCaseName(cases: readonly Case[]): string {
  const taken = new Set(cases.map((c) => c.name?.trim()));
  for (let n = cases.length + 1; ; n++) if (!taken.has(`case ${n}`)) return `case ${n}`;
}

export function CasesWidget(props: WidgetProps) {
  const { id, value, onChange } = props;
  const cases: Case[] = Array.isArray(value) ? (value as Case[]) : [];
  const write = (next: Case[]) => onChange(next.length ? next : undefined);
  const patch = (i: number, p: Case) => write(cases.map((c, j) => (j === i ? { ...c, ...p } : c)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...cases];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    write(next);
  };

  return (
    <div className="cases">
      {cases.length === 0 && <p className="muted small">No cases yet: add one, and each becomes an output of this node.</p>}
      <ol className="cases-list">
        {cases.map((c, i) => {
          const label = c.name?.trim() || `case ${i + 1}`;
          return (
            <li key={i} className="case-row" data-case={i}>
              <div className="case-head">
                <input
                  id={`${id}-${i}-name`}
                  className="input"
                  aria-label={`Name of case ${i + 1}`}
                  value={c.name ?? ''}
                  onChange={(e) => patch(i, { name: e.target.value })}
                />
                <button type="button" className="btn btn-icon btn-ghost" aria-label={`Move ${label} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                  ↑
                </button>
                <button type="button" className="btn btn-icon btn-ghost" aria-label={`Move ${label} down`} disabled={i === cases.length - 1} onClick={() => move(i, 1)}>
                  ↓
                </button>
                <button type="button" className="btn btn-icon btn-ghost" aria-label={`Remove ${label}`} onClick={() => write(cases.filter((_, j) => j !== i))}>
                  ✕
                </button>
              </div>
              <label className="case-when small" htmlFor={`${id}-${i}-condition`}>
                Condition of case {i + 1}
              </label>
              <ConditionWidget
                {...props}
                id={`${id}-${i}-condition`}
                fieldKey={`${props.fieldKey}.${i}.condition`}
                ui={{ label: `Condition of case ${i + 1}`, widget: 'condition', syntax: 'jsonata' }}
                value={c.condition}
                onChange={(v) => patch(i, { condition: typeof v === 'string' ? v : '' })}
              />
            </li>
          );
        })}
      </ol>
      <button
        type="button"
        className="btn btn-small"
        disabled={cases.length >= MAX_CASES}
        onClick={() => write([...cases, { name: nextCaseName(cases), condition: '' }])}
      >
        + Add case
      </button>
    </div>
  );
}
