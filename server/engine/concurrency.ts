/**
 * settings.concurrency: the group an execution waits for a slot in (decided once, at ingest, so a
 * queue never runs JSONata), and the slots of the in-process queue (SQLite). PostgreSQL counts its
 * slots in the claim itself (sy_claim, postgres migration 013): a slot there is a live lease.
 */
import { createHash } from 'node:crypto';
import type { ConcurrencySettings } from '#shared/workflow.ts';

/** `key`: the workflow id, plus `:<value>` with a per-key limit; `limit`: the version's limit. */
export type ConcurrencyGroup = { key: string; limit: number };

/** Longer key values are stored as their hash (a customer id fits; a whole document need not). */
const MAX_VALUE_CHARS = 200;

/**
 * The group of an execution of a workflow with `settings` (undefined: unlimited). A key that fails
 * to evaluate, or gives nothing (no value, null, ''), puts the execution in the default group
 * `<workflowId>:` — limited like any other value, never an error: the event is already accepted.
 */
export async function concurrencyGroup(
  workflowId: string,
  settings: ConcurrencySettings | undefined,
  event: unknown,
  evaluate: (expression: string, data: unknown) => Promise<unknown>,
): Promise<ConcurrencyGroup | undefined> {
  if (!settings) return undefined;
  if (!settings.key) return { key: workflowId, limit: settings.limit };
  // A failed key (a runtime error, a timeout) is the default group, as documented.
  const value = await evaluate(settings.key, event).catch(() => undefined);
  return { key: `${workflowId}:${valueText(value)}`, limit: settings.limit };
}

function valueText(value: unknown): string {
  if (value === undefined || value === null || value === '') return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return '';
  return text.length <= MAX_VALUE_CHARS ? text : `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** Whether execution id `a` was created before `b` (ids sort by creation: lib/ids.ts). */
const before = (a: string, b: string) => a < b;

/**
 * The in-process queue's slots. An execution holds its group's slot while it runs; one that
 * finds the group full waits in the group's line, oldest first, and takes no worker meanwhile.
 */
export function createSlots() {
  const groups = new Map<string, { held: number; line: { id: string; limit: number }[] }>();
  const waitingIds = new Set<string>();

  /** Hands free slots to the oldest waiting; the limit of the one at the head decides. */
  function grant(key: string): string[] {
    const g = groups.get(key);
    if (!g) return [];
    const out: string[] = [];
    while (g.line.length && g.held < g.line[0]!.limit) {
      const next = g.line.shift()!;
      waitingIds.delete(next.id);
      g.held++;
      out.push(next.id);
    }
    if (g.held === 0 && g.line.length === 0) groups.delete(key);
    return out;
  }

  return {
    /** `id` wants a slot of `group`: the ids that hold one now (it, or nobody while the group is full). */
    enter(id: string, group: ConcurrencyGroup): string[] {
      if (waitingIds.has(id)) return [];
      let g = groups.get(group.key);
      if (!g) groups.set(group.key, (g = { held: 0, line: [] }));
      // In creation order: a parked execution coming back goes ahead of younger ones.
      let at = g.line.length;
      while (at > 0 && before(id, g.line[at - 1]!.id)) at--;
      g.line.splice(at, 0, { id, limit: group.limit });
      waitingIds.add(id);
      return grant(group.key);
    },
    /** A holder of `key`'s slot stopped running (finished or parked): the ids that take the freed slot. */
    leave(key: string): string[] {
      const g = groups.get(key);
      if (!g) return [];
      g.held = Math.max(0, g.held - 1);
      return grant(key);
    },
    /** Executions waiting for a slot. */
    waiting: () => waitingIds.size,
  };
}
export type Slots = ReturnType<typeof createSlots>;
