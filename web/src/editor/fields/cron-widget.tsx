/** A cron field that says the schedule in words (cronstrue) and lists the next five runs in the node's timezone. */
import { useMemo } from 'react';
import { nextRuns } from '#shared/cron/schedule.ts';
import { formatInZone } from '../../lib/format.ts';
import { describeCron } from '../node-summary.ts';
import type { WidgetProps } from './types.ts';

const PRESETS = [
  { label: 'Every 5 minutes', cron: '*/5 * * * *' },
  { label: 'Hourly', cron: '0 * * * *' },
  { label: 'Daily 09:00', cron: '0 9 * * *' },
  { label: 'Weekdays 09:00', cron: '0 9 * * 1-5' },
  { label: 'Mondays 08:00', cron: '0 8 * * 1' },
];

export function CronWidget({ id, ui, value, config, onChange, invalid, describedBy }: WidgetProps) {
  const text = typeof value === 'string' ? value : '';
  const timeZone = typeof config.timezone === 'string' && config.timezone ? config.timezone : 'UTC';
  const info = useMemo(() => {
    if (!text.trim()) return null;
    try {
      const runs = nextRuns(text, timeZone, new Date(), 5);
      return { ok: true as const, words: describeCron(text), runs };
    } catch (e) {
      const msg = e instanceof RangeError ? `unknown timezone "${timeZone}"` : e instanceof Error ? e.message : String(e);
      return { ok: false as const, error: msg };
    }
  }, [text, timeZone]);

  return (
    <div className="cron">
      <input
        id={id}
        className="input mono"
        value={text}
        placeholder={ui.placeholder ?? '*/5 * * * *'}
        spellCheck={false}
        aria-invalid={invalid || (info !== null && !info.ok) || undefined}
        aria-describedby={[describedBy, `${id}-words`].filter(Boolean).join(' ')}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
      />
      <div className="cron-presets" role="group" aria-label="Common schedules">
        {PRESETS.map((p) => (
          <button key={p.cron} type="button" className="btn btn-small" onClick={() => onChange(p.cron)}>
            {p.label}
          </button>
        ))}
      </div>
      <div id={`${id}-words`} className="cron-info" aria-live="polite">
        {info === null && <p className="muted">Five fields: minute hour day-of-month month day-of-week (a sixth, seconds, may come first).</p>}
        {info && !info.ok && <p className="field-error">Not a valid schedule: {info.error}</p>}
        {info && info.ok && (
          <>
            <p className="cron-words" data-testid="cron-words">
              {info.words ?? text}
            </p>
            <h5>Next runs ({timeZone})</h5>
            <ol className="cron-runs" aria-label="Next runs">
              {info.runs.map((d) => (
                <li key={d.toISOString()}>
                  <time dateTime={d.toISOString()}>{formatInZone(d, timeZone)}</time>
                </li>
              ))}
              {info.runs.length === 0 && <li className="muted">This schedule never fires.</li>}
            </ol>
          </>
        )}
      </div>
    </div>
  );
}
