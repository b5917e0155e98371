/** Tick the workflows a trigger.error watches; none ticked watches them all. */
import { useEffect, useState } from 'react';
import { api, type WorkflowListItem } from '../../api/client.ts';
import { useEditorStore } from '../store.ts';
import type { WidgetProps } from './types.ts';

export function WorkflowsWidget({ id, value, onChange, describedBy }: WidgetProps) {
  const self = useEditorStore((s) => s.workflow?.id);
  const [items, setItems] = useState<WorkflowListItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.workflows
      .list({ limit: 200 })
      .then((page) => live && setItems(page.items))
      .catch((err: unknown) => live && setError(err instanceof Error ? err.message : String(err)));
    return () => {
      live = false;
    };
  }, []);
  const picked = new Set(Array.isArray(value) ? (value as unknown[]).filter((v): v is string => typeof v === 'string') : []);
  const toggle = (wid: string, on: boolean) => {
    const next = new Set(picked);
    if (on) next.add(wid);
    else next.delete(wid);
    onChange([...next]);
  };
  // A failure workflow never watches itself or other failure workflows (their failures start nothing).
  const watchable = (items ?? []).filter((w) => w.id !== self && w.triggerType !== 'trigger.error');
  return (
    <fieldset id={id} className="workflows-pick" aria-describedby={describedBy}>
      <legend className="sr-only">Workflows to watch</legend>
      <p className="small muted">{picked.size === 0 ? 'Watching every workflow.' : `Watching ${picked.size} workflow${picked.size === 1 ? '' : 's'}.`}</p>
      {items === null && !error && <p className="small muted">Loading…</p>}
      {error && <p className="field-error">Could not load workflows: {error}</p>}
      {watchable.map((w) => (
        <label key={w.id} className="workflows-pick-row">
          <input type="checkbox" checked={picked.has(w.id)} onChange={(e) => toggle(w.id, e.target.checked)} /> {w.name}
        </label>
      ))}
    </fieldset>
  );
}
