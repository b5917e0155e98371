/**
 * The schedule's simple modes above its cron: a choice of "every N minutes", "every N hours",
 * "daily at", "weekly on … at" or the cron itself, and the few inputs each needs. Every change
 * writes the cron (schedule-modes.ts); the cron field below stays the stored, advanced form.
 */
import { useEffect, useState } from 'react';
import { cronOf, INTERVAL_MAX, MODE_LABELS, parseTime, switchTo, timeText, type ModeKind, type ScheduleMode } from '../schedule-modes.ts';

/** Monday first, as people read a week; the values are cron's (0 = Sunday). */
const DAYS: readonly [number, string][] = [
  [1, 'Mon'],
  [2, 'Tue'],
  [3, 'Wed'],
  [4, 'Thu'],
  [5, 'Fri'],
  [6, 'Sat'],
  [0, 'Sun'],
];

type Props = {
  id: string;
  mode: ScheduleMode;
  /** Writes the cron. */
  onCron(cron: string): void;
  /** The person picked "Cron (advanced)" (true) or a simple mode (false). */
  onAdvanced(advanced: boolean): void;
};

export function ScheduleModePicker({ id, mode, onCron, onAdvanced }: Props) {
  return (
    <div className="schedule-mode">
      <select
        id={`${id}-mode`}
        className="input"
        aria-label="Repeat"
        value={mode.kind}
        onChange={(e) => {
          const kind = e.target.value as ModeKind;
          onAdvanced(kind === 'cron');
          if (kind !== 'cron') onCron(switchTo(kind, mode));
        }}
      >
        {(Object.keys(MODE_LABELS) as ModeKind[]).map((k) => (
          <option key={k} value={k}>
            {MODE_LABELS[k]}
          </option>
        ))}
      </select>
      {(mode.kind === 'minutes' || mode.kind === 'hours') && (
        <Interval
          key={mode.kind}
          unit={mode.kind}
          every={mode.every}
          onEvery={(every) => onCron(cronOf({ kind: mode.kind, every } as Exclude<ScheduleMode, { kind: 'cron' }>))}
        />
      )}
      {mode.kind === 'weekly' && (
        <div className="chips" role="group" aria-label="On these days">
          {DAYS.map(([day, label]) => {
            const on = mode.days.includes(day);
            // The last day stays on: a weekly schedule on no day would never run.
            const last = on && mode.days.length === 1;
            return (
              <label key={day} className={`chip${on ? ' on' : ''}`} title={last ? 'A weekly schedule needs at least one day' : undefined}>
                <input
                  type="checkbox"
                  checked={on}
                  aria-disabled={last || undefined}
                  onChange={() => {
                    if (last) return;
                    const days = on ? mode.days.filter((d) => d !== day) : [...mode.days, day];
                    onCron(cronOf({ ...mode, days }));
                  }}
                />
                {label}
              </label>
            );
          })}
        </div>
      )}
      {(mode.kind === 'daily' || mode.kind === 'weekly') && (
        <label className="schedule-at">
          <span>at</span>
          <input
            type="time"
            className="input"
            aria-label="Time of day"
            value={timeText(mode.hour, mode.minute)}
            onChange={(e) => {
              const t = parseTime(e.target.value);
              if (t) onCron(cronOf({ ...mode, ...t }));
            }}
          />
        </label>
      )}
    </div>
  );
}

/** "every [N] minutes": the typed text is kept while it is not a number in range, and says so. */
function Interval({ unit, every, onEvery }: { unit: 'minutes' | 'hours'; every: number; onEvery(n: number): void }) {
  const [draft, setDraft] = useState(String(every));
  useEffect(() => setDraft((d) => (Number(d) === every ? d : String(every))), [every]);
  const max = INTERVAL_MAX[unit];
  const n = /^\d+$/.test(draft) ? Number(draft) : NaN;
  const ok = n >= 1 && n <= max;
  return (
    <label className="schedule-at">
      <span>every</span>
      <input
        type="number"
        className="input"
        min={1}
        max={max}
        aria-label={`Every how many ${unit}`}
        aria-invalid={!ok || undefined}
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          const v = Number(e.target.value);
          if (/^\d+$/.test(e.target.value) && v >= 1 && v <= max) onEvery(v);
        }}
      />
      <span>{unit}</span>
      {!ok && <span className="field-error">1 to {max}</span>}
      {/* A cron step starts over each hour (or day): every 7 minutes runs at :56, then at :00. */}
      {ok && (max + 1) % n !== 0 && <span className="muted small">starts again at {unit === 'minutes' ? ':00 each hour' : 'midnight'}</span>}
    </label>
  );
}
