/** Helpers for the schedule and poll integration tests: workflows, trigger info, trigger events from the DB. */
import { expect } from 'vitest';
import { sqliteOf, type Booted } from '../helpers/boot.ts';

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

/** Every execution of the workflow, oldest first, with its trigger step's output (the event). */
export function events(sy: Booted, workflowId: string, triggerNodeId: string): TriggerEvent[] {
  const rows = sqliteOf(sy.app)
    .prepare(
      `SELECT e.id, e.mode, e.status, e.workflow_version AS version, s.output FROM executions e
         JOIN steps s ON s.execution_id = e.id AND s.node_id = ?
        WHERE e.workflow_id = ? ORDER BY e.created_at, e.id`,
    )
    .all(triggerNodeId, workflowId) as { id: string; mode: string; status: string; version: number; output: string }[];
  return rows.map((r) => ({ executionId: r.id, mode: r.mode, status: r.status, version: r.version, output: JSON.parse(r.output) }));
}

export function stateOf(sy: Booted, workflowId: string, nodeId: string): any {
  const row = sqliteOf(sy.app).prepare('SELECT state FROM trigger_state WHERE workflow_id = ? AND node_id = ?').get(workflowId, nodeId) as
    | { state: string }
    | undefined;
  return row ? JSON.parse(row.state) : undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
