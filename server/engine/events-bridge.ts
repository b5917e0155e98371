/**
 * The event bus across processes (PostgreSQL): events emitted here are also sent, as ids only and
 * batched every 20 ms, by NOTIFY, one send at a time; events from other processes are re-read from the database and
 * emitted locally, so SSE and webhook result and respond modes work whichever worker ran the execution.
 * NOTIFY is a wake-up, not the truth: after the LISTEN connection comes back, every execution a
 * result-mode request waits on is re-read (a notification sent meanwhile is lost).
 *
 * Wire format, one line per event: `<origin>|x|<executionId>|<workflowId>|<status>` or
 * `<origin>|s|<executionId>|<workflowId>|<nodeId>`, and `<origin>|l` — "I have step listeners" —
 * repeated while a process has live step subscribers, so workers build step events only then.
 */
import { CHANNELS, type ExecutionStore, type Notifications } from '../db/store.ts';
import type { ExecutionStatus } from '#shared/execution.ts';
import type { Logger } from '../lib/logger.ts';
import { isFinalStatus, type EngineEvents, type ExecutionEvent } from './events.ts';
import { rowToStep } from './step-codec.ts';

export type FinalOf = (executionId: string) => Promise<Pick<ExecutionEvent, 'status' | 'error' | 'lastOutput'> | undefined>;

export type EventBridge = EngineEvents & { start(): Promise<void>; stop(): Promise<void> };

const FLUSH_MS = 20;
const PRESENCE_MS = 10_000;

export function bridgeEvents(
  local: EngineEvents,
  deps: { notifications: Notifications; store: Pick<ExecutionStore, 'getExecution' | 'getStep'>; finalOf: FinalOf; origin: string; logger: Logger },
): EventBridge {
  const log = deps.logger.child({ component: 'events' });
  const origin = deps.origin.replaceAll('|', '_');
  let outbox: string[] = [];
  /** Sends go one after another: two NOTIFYs in flight on two connections may commit out of order. */
  let sent: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let presence: NodeJS.Timeout | undefined;
  let listener: { close(): Promise<void> } | undefined;
  let remoteListenersUntil = 0;

  function queue(line: string): void {
    outbox.push(`${origin}|${line}`);
    if (!timer) {
      timer = setTimeout(flush, FLUSH_MS);
      timer.unref();
    }
  }

  /**
   * Sends what is queued after the previous send has finished, so one execution's events (running,
   * then success) reach other processes in the order they happened; what queues up meanwhile goes
   * out together. Resolves once everything queued so far is sent.
   */
  function flush(): Promise<void> {
    timer = undefined;
    sent = sent.then(() => {
      const lines = outbox;
      outbox = [];
      if (lines.length === 0) return;
      return deps.notifications.notify(CHANNELS.events, lines).catch((err: unknown) => log.warn('event notify failed', { err: String(err) }));
    });
    return sent;
  }

  async function onRemoteExecution(executionId: string, workflowId: string, status: ExecutionStatus): Promise<void> {
    const waited = local.isWaiting(executionId);
    if (waited && isFinalStatus(status)) {
      const final = await deps.finalOf(executionId);
      if (final) return local.emitExecution({ executionId, workflowId, ...final });
    }
    local.emitExecution({ executionId, workflowId, status });
  }

  async function onRemoteStep(executionId: string, workflowId: string, nodeId: string, iteration: string): Promise<void> {
    // Re-read for SSE subscribers, or for a webhook request here waiting on this execution's Respond step.
    if (!local.hasStepListeners() && !local.isWaiting(executionId)) return;
    const row = await deps.store.getStep(executionId, nodeId, iteration);
    if (row) local.emitStep({ executionId, workflowId, step: rowToStep(row) });
  }

  function receive(_channel: string, payload: string): void {
    for (const line of payload.split('\n')) {
      const [from, kind, a, b, c, d] = line.split('|');
      if (!from || from === origin) continue;
      if (kind === 'l') remoteListenersUntil = Date.now() + PRESENCE_MS * 3;
      else if (kind === 'x' && a && b && c) void onRemoteExecution(a, b, c as ExecutionStatus).catch((err: unknown) => log.warn('event re-read failed', { err: String(err) }));
      else if (kind === 's' && a && b && c) void onRemoteStep(a, b, c, d ?? '').catch((err: unknown) => log.warn('event re-read failed', { err: String(err) }));
    }
  }

  /** After a reconnect: whatever finished meanwhile is found by reading, not by waiting. */
  async function resync(): Promise<void> {
    for (const id of [...local.waitingFor()]) {
      const row = await deps.store.getExecution(id).catch(() => undefined);
      if (row && isFinalStatus(row.status)) await onRemoteExecution(id, row.workflow_id, row.status as ExecutionStatus);
    }
  }

  return {
    ...local,
    emitExecution(e) {
      local.emitExecution(e);
      queue(`x|${e.executionId}|${e.workflowId}|${e.status}`);
    },
    onStep(fn) {
      // A new subscriber is announced at once, so workers start sending its steps now.
      queue('l');
      return local.onStep(fn);
    },
    emitStep(e) {
      local.emitStep(e);
      queue(`s|${e.executionId}|${e.workflowId}|${e.step.nodeId}|${e.step.iteration ?? ''}`);
    },
    // Building a step event costs a JSON parse: only when someone, here or elsewhere, listens.
    hasStepListeners: () => local.hasStepListeners() || Date.now() < remoteListenersUntil,
    async start() {
      listener = await deps.notifications.listen([CHANNELS.events], receive, () => void resync());
      presence = setInterval(() => {
        if (local.hasStepListeners()) queue('l');
      }, PRESENCE_MS);
      presence.unref();
    },
    async stop() {
      if (presence) clearInterval(presence);
      if (timer) clearTimeout(timer);
      await flush();
      await listener?.close();
    },
  };
}
