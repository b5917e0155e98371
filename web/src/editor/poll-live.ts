/**
 * Keeps an active poll trigger's state (last poll, next poll, last error) current while its panel
 * is open: the workflow is re-read just after the next poll is due, not on a fixed fast timer, and
 * only its `triggers` are taken, so the draft being edited is untouched. A poll that finds nothing
 * new emits no server event, hence the re-read rather than /api/events.
 */
import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import { useEditorStore } from './store.ts';

/** After the poll is due, time for it to run and be written before re-reading. */
const SETTLE_MS = 1500;
const MIN_MS = 1000;
const MAX_MS = 30_000;
/** While a poll is due and not yet seen (the first one, or one in flight): re-read this often. */
const OVERDUE_MS = 2000;

/** How long to wait before re-reading the trigger state, given when the next poll is due. */
export function refreshDelay(nextPollAt: string | null | undefined, now: number): number {
  const due = nextPollAt ? Date.parse(nextPollAt) : Number.NaN;
  if (Number.isNaN(due)) return OVERDUE_MS;
  const wait = due - now;
  // Overdue for long (the poller is backing off, or another process polls late): back off too.
  if (wait < 0) return Math.min(MAX_MS, Math.max(OVERDUE_MS, -wait / 4));
  return Math.min(MAX_MS, Math.max(MIN_MS, wait + SETTLE_MS));
}

/** Re-reads the saved workflow's trigger state on the poll's own rhythm while `enabled`. */
export function useLiveTriggerState(workflowId: string | undefined, nodeId: string, enabled: boolean): void {
  useEffect(() => {
    if (!workflowId || !enabled) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** One read at a time: the read in flight schedules the next one itself. */
    let reading = false;
    const nextDue = () => useEditorStore.getState().workflow?.triggers.find((t) => t.nodeId === nodeId)?.nextPollAt;
    const tick = async () => {
      // A background tab shows nothing: look again later instead of reading for no one.
      if (document.visibilityState === 'hidden') {
        if (live) timer = setTimeout(() => void tick(), MAX_MS);
        return;
      }
      reading = true;
      try {
        const fresh = await api.workflows.get(workflowId);
        const s = useEditorStore.getState();
        // Only the same saved version: a save in between brings its own trigger state.
        if (live && s.workflow && s.workflow.id === fresh.id && s.workflow.version === fresh.version) {
          s.setWorkflowMeta({ ...s.workflow, triggers: fresh.triggers });
        }
      } catch {
        // Offline for a moment: the next tick tries again; the panel keeps the last state it had.
      } finally {
        reading = false;
      }
      if (live) timer = setTimeout(() => void tick(), refreshDelay(nextDue(), Date.now()));
    };
    timer = setTimeout(() => void tick(), refreshDelay(nextDue(), Date.now()));
    // Back in front: read at once rather than at the end of the background wait.
    const onVisible = () => {
      if (document.visibilityState !== 'visible' || reading) return;
      clearTimeout(timer);
      void tick();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      live = false;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [workflowId, nodeId, enabled]);
}

/** The current time, re-rendered every `everyMs`, for relative times that tick. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
