/**
 * The schedule's cron field: a simple mode to pick (schedule-mode.tsx), the cron it writes (also
 * the advanced editor), the schedule in words (cronstrue) and the next five runs in the node's
 * timezone, computed by the shared cron code the server fires with. A cron that does not parse
 * shows no preview: its fault is the field's message, in the graph validation's one wording.
 */
import { useMemo, useState } from 'react';
import { nextRuns } from '#shared/cron/schedule.ts';
import { formatInZone } from '../../lib/format.ts';
import { describeCron } from '../node-summary.ts';
import { modeOf, type ScheduleMode } from '../schedule-modes.ts';
import { ScheduleModePicker } from './schedule-mode.tsx';
import type { WidgetProps } from './types.ts';

export function CronWidget({ id, ui, value, config, onChange, invalid, describedBy }: WidgetProps) {
  const text = typeof value === 'string' ? value : '';
  const timeZone = typeof config.timezone === 'string' && config.timezone ? config.timezone : 'UTC';
  // Picking "Cron (advanced)" keeps the cron form open even while the text still reads as a mode.
  const [advanced, setAdvanced] = useState(false);
  const mode: ScheduleMode = useMemo(() => (advanced ? { kind: 'cron' } : modeOf(text)), [advanced, text]);
  const preview = useMemo(() => {
    // Nothing to preview for a cron that does not parse or never runs: the field's message says why.
    if (!text.trim()) return null;
    try {
      return { words: describeCron(text), runs: nextRuns(text, timeZone, new Date(), 5) };
    } catch {
      return null;
    }
  }, [text, timeZone]);

  return (
    <div className="cron">
      <ScheduleModePicker id={id} mode={mode} onCron={onChange} onAdvanced={setAdvanced} />
      <input
        id={id}
        className="input mono"
        value={text}
        placeholder={ui.placeholder ?? '*/5 * * * *'}
        spellCheck={false}
        aria-invalid={invalid || undefined}
        aria-describedby={[describedBy, `${id}-words`].filter(Boolean).join(' ')}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
      />
      <div id={`${id}-words`} className="cron-info" aria-live="polite">
        {preview && preview.runs.length > 0 && (
          <>
            <p className="cron-words" data-testid="cron-words">
              {preview.words ?? text}
            </p>
            <h5>Next runs ({timeZone})</h5>
            <ol className="cron-runs" aria-label="Next runs">
              {preview.runs.map((d) => (
                <li key={d.toISOString()}>
                  <time dateTime={d.toISOString()}>{formatInZone(d, timeZone)}</time>
                </li>
              ))}
            </ol>
          </>
        )}
      </div>
    </div>
  );
}
