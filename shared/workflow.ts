/** The workflow document (SPEC "Workflow document"): zod schemas and their types, same names. */
import { z } from 'zod';

/** Node ids are short slugs used in expressions (`steps.crm.body`), so they must be JSONata names. */
export const NodeId = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must start with a letter or _ and hold only letters, digits and _ (max 64)');

export const RetryPolicy = z.object({
  attempts: z.number().int().min(1).max(10).default(1),
  delayMs: z.number().int().min(0).max(3_600_000).default(1000),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const OnError = z.enum(['stop', 'continue']);
export type OnError = z.infer<typeof OnError>;

export const Position = z.object({ x: z.number().finite(), y: z.number().finite() });
export type Position = z.infer<typeof Position>;

export const WorkflowNode = z.object({
  id: NodeId,
  type: z.string().min(1).max(100),
  name: z.string().max(200).optional(),
  position: Position.default({ x: 0, y: 0 }),
  config: z.record(z.string(), z.unknown()).default({}),
  retry: RetryPolicy.optional(),
  onError: OnError.optional(),
  notes: z.string().max(10_000).optional(),
});
export type WorkflowNode = z.infer<typeof WorkflowNode>;

export const Edge = z.object({
  id: z.string().min(1).max(100),
  source: z.string().min(1),
  target: z.string().min(1),
  sourceHandle: z.string().nullish(),
  targetHandle: z.string().nullish(),
});
export type Edge = z.infer<typeof Edge>;

/** Derived, read-only trigger state shown with a workflow. */
export const TriggerInfo = z.object({
  nodeId: z.string(),
  type: z.string(),
  url: z.string().optional(),
  nextRunAt: z.string().nullable().optional(),
  lastPolledAt: z.string().nullable().optional(),
  lastError: z.string().nullable().optional(),
  lastErrorAt: z.string().nullable().optional(),
  authFailures: z.number().optional(),
  nextPollAt: z.string().nullable().optional(),
  /** A poll trigger's last successful poll: items the API listed and runs started, or a 304. */
  lastPoll: z.object({ items: z.number().optional(), started: z.number().optional(), notModified: z.boolean().optional() }).optional(),
  skippedRuns: z.number().optional(),
  lastSkippedAt: z.string().nullable().optional(),
  missedRuns: z.number().optional(),
  lastMissedAt: z.string().nullable().optional(),
});
export type TriggerInfo = z.infer<typeof TriggerInfo>;

/**
 * Per-workflow settings (an extension of SPEC's document, docs/API.md "Workflow settings"). Saved
 * with the graph, so each version records the settings its executions ran with.
 */
export const AlertSettings = z.object({
  /** Who is told; an empty list sends nothing. */
  email: z.array(z.string().trim().email('must be an email address')).max(20).default([]),
  onFailure: z.boolean().default(true),
  onRecovery: z.boolean().default(true),
});
export type AlertSettings = z.infer<typeof AlertSettings>;

export const ConcurrencySettings = z.object({
  /** At most this many executions of the workflow (per key value, with `key`) run at once. */
  limit: z.number().int().min(1).max(1000),
  /** A JSONata over the trigger event (`$.body.customerId`): the limit holds per value of it. */
  key: z.string().trim().min(1).max(2000).optional(),
});
export type ConcurrencySettings = z.infer<typeof ConcurrencySettings>;

export const WorkflowSettings = z
  .object({
    alerts: AlertSettings.optional(),
    concurrency: ConcurrencySettings.optional(),
    /** An execution running longer (parked time not counted) fails (status `error`) with EXECUTION_TIMEOUT (server/engine/timeout.ts). */
    timeoutSeconds: z.number().int().min(1).max(7 * 86_400).optional(),
  })
  .strict();
export type WorkflowSettings = z.infer<typeof WorkflowSettings>;

/**
 * What a client sends to create or replace a workflow. Faults inside are allowed in a draft.
 * `settings` left out keeps the workflow's current settings (a client that predates them cannot
 * wipe them); a new workflow starts with none.
 */
export const WorkflowDraft = z.object({
  name: z.string().trim().min(1).max(200),
  nodes: z.array(WorkflowNode).max(2000).default([]),
  edges: z.array(Edge).max(10_000).default([]),
  settings: WorkflowSettings.optional(),
});
export type WorkflowDraft = z.infer<typeof WorkflowDraft>;

export const Workflow = WorkflowDraft.extend({
  settings: WorkflowSettings,
  id: z.string(),
  active: z.boolean(),
  version: z.number().int(),
  triggers: z.array(TriggerInfo),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Workflow = z.infer<typeof Workflow>;

/**
 * One saved version of a workflow, as `GET /api/workflows/:id/versions/:version` returns it: what
 * the executions of that version ran (webhook tokens left out, as in an export).
 */
export const WorkflowVersion = z.object({
  workflowId: z.string(),
  version: z.number().int(),
  name: z.string(),
  nodes: z.array(WorkflowNode),
  edges: z.array(Edge),
  settings: WorkflowSettings,
  /** When it was saved and by whom (an email; null when not recorded). */
  savedAt: z.string().optional(),
  savedBy: z.string().nullable().optional(),
  /** The version it restored, when it was saved by "Restore as draft". */
  restoredFrom: z.number().int().nullable().optional(),
});
export type WorkflowVersion = z.infer<typeof WorkflowVersion>;

/** The part of a workflow an execution runs: pinned per version. */
export type WorkflowSnapshot = { id: string; name: string; version: number; nodes: WorkflowNode[]; edges: Edge[]; settings: WorkflowSettings };
