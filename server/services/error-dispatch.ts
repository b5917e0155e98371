/**
 * Hands failed executions to error workflows (trigger.error). A failure is queued in the
 * `failures` table by the same write that records it (the store's finish); this drains that
 * table: each failure starts every active error workflow watching its workflow, then its row goes.
 * A start is idempotent per (error workflow, failed execution), so a crash between starting and
 * deleting, or two processes draining at once, never starts one twice. Failures of error
 * workflows themselves start nothing, so an error workflow that fails cannot loop.
 * The same drain hands each failure to the e-mail alerts (`alerts`), which queue it durably before
 * its row goes: one table of failures serves both consumers.
 */
import type { Kysely } from 'kysely';
import { ERROR_TRIGGER_TYPE, type FailureEvent } from '#shared/nodes/trigger-error.ts';
import { findTrigger } from '#shared/nodes/registry.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import type { Schema } from '../db/schema.ts';
import type { ExecutionRow, ExecutionStore } from '../db/store.ts';
import type { EngineEvents } from '../engine/events.ts';
import type { StartFn } from '../engine/start.ts';
import { iso, type Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';

const BATCH = 100;

/** The failure as error workflows and alert e-mails describe it: what failed, where, and a link. */
export function failureEvent(exec: ExecutionRow, workflow: { id: string; name: string }, publicUrl: string): FailureEvent {
  const stored = exec.error ? (JSON.parse(exec.error) as { code?: string; message?: string; nodeId?: string; nodeType?: string }) : {};
  return {
    workflow: { id: workflow.id, name: workflow.name },
    execution: { id: exec.id, url: executionUrl(publicUrl, exec.id), mode: exec.mode, startedAt: iso(exec.started_at ?? exec.created_at) },
    failedNode: stored.nodeId ? { id: stored.nodeId, type: stored.nodeType ?? '' } : null,
    error: { code: stored.code ?? 'NODE_ERROR', message: stored.message ?? 'failed' },
  };
}

/** The editor's page of one execution. */
export const executionUrl = (publicUrl: string, id: string) => `${publicUrl}/#/executions/${encodeURIComponent(id)}`;

/** Something else told of each failure before it leaves the queue (e-mail alerts): it must store what it needs durably. */
export type FailureConsumer = { queueFailure(exec: ExecutionRow, event: FailureEvent): Promise<void> };
const ACTIVE_CACHE_MS = 2_000;

export function createErrorDispatcher(deps: {
  db: Kysely<Schema>;
  store: Pick<ExecutionStore, 'getExecution'>;
  workflow(id: string): Promise<WorkflowRecord | undefined>;
  listActive(): Promise<WorkflowRecord[]>;
  start: StartFn;
  events: EngineEvents;
  clock: Clock;
  logger: Logger;
  publicUrl(): string;
  alerts?: FailureConsumer;
  /** How often to look for failures no event announced (another process's, or left by a crash). */
  intervalMs?: number;
}) {
  let active: { at: number; list: WorkflowRecord[] } | undefined;
  let draining: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let soon: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  const watchers = async () => {
    const now = deps.clock.now();
    if (!active || now - active.at > ACTIVE_CACHE_MS) active = { at: now, list: (await deps.listActive()).filter((w) => findTrigger(w.nodes)?.type === ERROR_TRIGGER_TYPE) };
    return active.list;
  };

  async function dispatch(exec: ExecutionRow): Promise<number> {
    if (exec.status !== 'error') return 0;
    const failed = await deps.workflow(exec.workflow_id);
    if (!failed) return 0;
    const event = failureEvent(exec, failed, deps.publicUrl());
    // Alerts follow the failed workflow's own settings, error workflows' failures included.
    await deps.alerts?.queueFailure(exec, event);
    if (exec.mode === 'error' || findTrigger(failed.nodes)?.type === ERROR_TRIGGER_TYPE) return 0;
    let started = 0;
    for (const w of await watchers()) {
      if (w.id === failed.id) continue;
      const trigger = findTrigger(w.nodes)!;
      const watched = Array.isArray(trigger.config.workflows) ? (trigger.config.workflows as string[]) : [];
      if (watched.length > 0 && !watched.includes(failed.id)) continue;
      await deps.start({
        workflowId: w.id,
        workflowVersion: w.version,
        triggerNodeId: trigger.id,
        mode: 'error',
        event,
        idempotency: { token: `error:${w.id}`, key: exec.id, since: 0 },
      });
      started++;
    }
    return started;
  }

  async function drainOnce(): Promise<void> {
    for (;;) {
      const rows = await deps.db.selectFrom('failures').selectAll().orderBy('created_at').limit(BATCH).execute();
      for (const r of rows) {
        const exec = await deps.store.getExecution(r.execution_id);
        const started = exec ? await dispatch(exec) : 0;
        if (started) deps.logger.info('error workflows started', { executionId: r.execution_id, count: started });
        await deps.db.deleteFrom('failures').where('execution_id', '=', r.execution_id).execute();
      }
      if (rows.length < BATCH) return;
    }
  }

  /** Drains the queued failures; a call while a drain runs makes it go round once more. */
  function drain(): Promise<void> {
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      do {
        again = false;
        await drainOnce().catch((err: unknown) => deps.logger.warn('error dispatch failed; retried shortly', { err: String(err) }));
      } while (again);
    })().finally(() => (draining = undefined));
    return draining;
  }

  return {
    drain,
    start() {
      timer = setInterval(() => void drain(), deps.intervalMs ?? 2_000);
      timer.unref();
      // A failure here is dispatched at once: its row committed before its event was sent.
      unsubscribe = deps.events.onExecution((e) => {
        if (e.status !== 'error' || soon) return;
        soon = setTimeout(() => {
          soon = undefined;
          void drain();
        }, 10);
      });
      void drain();
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (soon) clearTimeout(soon);
      unsubscribe?.();
      await draining;
    },
  };
}
