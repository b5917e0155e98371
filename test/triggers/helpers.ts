/** Helpers for the schedule and poll integration tests: workflows, trigger info, trigger events from the DB. */
import { expect, vi } from 'vitest';
import { onPostgres, type Booted } from '../helpers/boot.ts';

export async function createActive(sy: Booted, doc: { name: string; nodes: unknown[]; edges?: unknown[] }) {
  const created = await sy.api('/api/workflows', { body: { edges: [], ...doc } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const activated = await sy.api(`/api/workflows/${created.body.id}/activate`, { method: 'POST' });
  expect(activated.status, JSON.stringify(activated.body)).toBe(200);
  return activated.body as { id: string; version: number; triggers: Record<string, any>[] };
}

export async function triggerInfo(sy: Booted, workflowId: string): Promise<Record<string, any>> {
  const r = await sy.api(`/api/workflows/${workflowId}`);
  expect(r.status).toBe(200);
  return r.body.triggers[0];
}

export type TriggerEvent = { executionId: string; mode: string; status: string; version: number; output: any };

/**
 * Every execution of the workflow, oldest first, with its trigger step's output (the event). Read
 * through the store's Kysely, so it works on both dialects.
 */
export async function events(sy: Booted, workflowId: string, triggerNodeId: string): Promise<TriggerEvent[]> {
  const rows = await sy.app.store.kysely
    .selectFrom('executions as e')
    .innerJoin('steps as s', (j) => j.onRef('s.execution_id', '=', 'e.id').on('s.node_id', '=', triggerNodeId))
    .select(['e.id', 'e.mode', 'e.status', 'e.workflow_version as version', 's.output'])
    .where('e.workflow_id', '=', workflowId)
    .orderBy('e.created_at')
    .orderBy('e.id')
    .execute();
  return rows.map((r) => ({ executionId: r.id, mode: r.mode, status: r.status, version: Number(r.version), output: JSON.parse(r.output!) }));
}

export async function stateOf(sy: Booted, workflowId: string, nodeId: string): Promise<any> {
  const row = await sy.app.store.kysely
    .selectFrom('trigger_state')
    .select('state')
    .where('workflow_id', '=', workflowId)
    .where('node_id', '=', nodeId)
    .executeTakeFirst();
  return row ? JSON.parse(row.state) : undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real setTimeout, taken at import: before any test fakes it. */
const realSetTimeout = globalThis.setTimeout;
/** Fake milliseconds per step, below the shortest timeout of the PostgreSQL driver (the trigger lock's 2 s probe). */
const STEP_MS = 500;

/**
 * Moves the fake clock forward by `ms`. On SQLite in one jump. On PostgreSQL as time really passes:
 * in steps of 500 ms with a moment of real time after each, for the queries it set off to come
 * back. One jump of a minute would fire the driver's own timers — pg's connect and query timeouts,
 * the trigger lock's probe timeout — while those queries are still on the wire: failures (a lost
 * trigger lock, refused connections) that only a fake clock can cause.
 */
export async function advanceClock(ms: number): Promise<void> {
  if (!onPostgres) return void (await vi.advanceTimersByTimeAsync(ms));
  for (let left = ms; left > 0; left -= STEP_MS) {
    await vi.advanceTimersByTimeAsync(Math.min(STEP_MS, left));
    await new Promise((r) => realSetTimeout(r, 2));
  }
}
