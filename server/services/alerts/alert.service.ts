/**
 * E-mail alerts (workflow settings.alerts), off the execution path. A failure reaches here from
 * the failure queue's drain (error-dispatch.ts), which waits for the alert row to be stored before
 * dropping the failure: a failure committed before a crash is alerted after the restart. A tick
 * then (1) deduplicates new failure alerts per (workflow, node, error code) for an hour,
 * (2) looks for the first success of each workflow whose last alert was a failure (recovery), and
 * (3) sends what is due, each alert claimed for a while so that two processes never both send it.
 * A send that fails is recorded on the row with its error and retried, a bounded number of times.
 * Successes cost nothing here unless their workflow is awaiting recovery (a set lookup).
 */
import type { FailureEvent } from '#shared/nodes/trigger-error.ts';
import type { MailPort } from '#shared/nodes/define.ts';
import type { WorkflowSettings } from '#shared/workflow.ts';
import type { AlertRepo, AlertRow, AlertState, NewAlert } from '../../db/repos/alert.repo.ts';
import type { ExecutionRow, ExecutionStore } from '../../db/store.ts';
import type { EngineEvents } from '../../engine/events.ts';
import type { Clock } from '../../lib/clock.ts';
import { newOrderedId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import { alertMail } from './alert-mail.ts';

/** One e-mail per failure signature per hour; the next one says how many were suppressed. */
export const DEDUPE_WINDOW_MS = 3_600_000;
/** Attempts per alert before it is recorded as failed; the waits between them. */
export const MAX_ATTEMPTS = 5;
const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];
/** Longer than one send may take (the mailer's whole-send timeout is 60 s). */
const CLAIM_MS = 5 * 60_000;
const KEEP_MS = 30 * 86_400_000;
const BATCH = 100;

export type AlertServiceDeps = {
  repo: AlertRepo;
  store: Pick<ExecutionStore, 'getExecution'>;
  workflowName(id: string): Promise<string | undefined>;
  /** The settings of the version an execution ran. */
  settingsOf(workflowId: string, version: number): Promise<WorkflowSettings | undefined>;
  mail: MailPort;
  events: EngineEvents;
  clock: Clock;
  logger: Logger;
  /** This process, on the claims it takes. */
  owner: string;
  publicUrl(): string;
  intervalMs?: number;
};

export type AlertView = {
  id: string;
  kind: string;
  status: string;
  executionId: string;
  failedNode: { id: string; type: string | null } | null;
  error: { code: string | null; message: string | null } | null;
  recipients: string[];
  repeats: number;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
};

const isoOf = (ms: number | null) => (ms == null ? null : new Date(Number(ms)).toISOString());

export function toAlertView(r: AlertRow): AlertView {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    executionId: r.execution_id,
    failedNode: r.node_id ? { id: r.node_id, type: r.node_type } : null,
    error: r.kind === 'failure' ? { code: r.error_code, message: r.error_message } : null,
    recipients: JSON.parse(r.recipients) as string[],
    repeats: Number(r.repeats),
    attempts: Number(r.attempts),
    lastError: r.last_error,
    nextAttemptAt: r.status === 'pending' ? isoOf(r.next_attempt_at) : null,
    createdAt: isoOf(r.created_at)!,
    sentAt: isoOf(r.sent_at),
  };
}

const recipientsOf = (s: WorkflowSettings | undefined, kind: 'onFailure' | 'onRecovery'): string[] => (s?.alerts?.[kind] && s.alerts.email.length ? s.alerts.email : []);
const describeError = (err: unknown) => {
  const code = typeof err === 'object' && err && 'code' in err ? String((err as { code: unknown }).code) : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return code ? `${code}: ${message}` : message;
};

export function createAlertService(deps: AlertServiceDeps) {
  const log = deps.logger.child({ component: 'alerts' });
  /** Workflows awaiting recovery, as last read: a success of any other costs a set lookup. */
  let failing = new Set<string>();
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let soon: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let prunedAt = 0;
  const sending = new AbortController();

  function newAlert(fields: Omit<NewAlert, 'id' | 'created_at' | 'next_attempt_at'>): NewAlert {
    const now = deps.clock.now();
    return { id: newOrderedId('alert', now), created_at: now, next_attempt_at: now, ...fields };
  }

  async function decideNew(): Promise<void> {
    for (;;) {
      const rows = await deps.repo.listUndecided(BATCH);
      for (const a of rows) {
        const exec = await deps.store.getExecution(a.execution_id);
        const failure = { createdAt: Number(exec?.created_at ?? a.created_at), finishedAt: Number(exec?.finished_at ?? a.created_at) };
        const signature = JSON.stringify([a.workflow_id, a.node_id ?? '', a.error_code ?? '']);
        const d = await deps.repo.decide(a, signature, deps.clock.now(), DEDUPE_WINDOW_MS, failure);
        if (d && !d.send) log.debug('alert suppressed (same failure within the hour)', { alertId: a.id, workflowId: a.workflow_id });
        failing.add(a.workflow_id);
      }
      if (rows.length < BATCH) return;
    }
  }

  async function recoverOne(state: AlertState): Promise<void> {
    // A deleted workflow never recovers: its state would be looked at on every pass.
    if ((await deps.workflowName(state.workflow_id)) === undefined) return deps.repo.forget(state.workflow_id);
    const success = await deps.repo.firstSuccessSince(state.workflow_id, { createdAt: Number(state.failure_created_at), finishedAt: Number(state.failure_finished_at) });
    if (!success) return;
    const to = recipientsOf(await deps.settingsOf(state.workflow_id, success.workflow_version), 'onRecovery');
    const recovery = to.length
      ? newAlert({ workflow_id: state.workflow_id, kind: 'recovery', execution_id: success.id, node_id: null, node_type: null, error_code: null, error_message: null, recipients: JSON.stringify(to), status: 'pending' })
      : undefined;
    if (await deps.repo.recover(state, recovery)) log.info('workflow recovered', { workflowId: state.workflow_id, executionId: success.id, alert: Boolean(recovery) });
  }

  async function recoverAll(): Promise<void> {
    const states = await deps.repo.failingStates();
    failing = new Set(states.map((s) => s.workflow_id));
    for (const s of states) await recoverOne(s);
  }

  async function sendDue(): Promise<void> {
    for (;;) {
      if (sending.signal.aborted) return;
      const now = deps.clock.now();
      const alert = await deps.repo.claimDue(deps.owner, now, CLAIM_MS);
      if (!alert) return;
      const name = (await deps.workflowName(alert.workflow_id)) ?? alert.workflow_id;
      try {
        const r = await deps.mail.send(alertMail(alert, name, deps.publicUrl()), { signal: sending.signal });
        await deps.repo.delivered(alert.id, deps.owner, r.captured ? 'captured' : 'sent', deps.clock.now());
        log.info(r.captured ? 'alert captured in the outbox' : 'alert sent', { alertId: alert.id, workflowId: alert.workflow_id, kind: alert.kind });
      } catch (err) {
        if (sending.signal.aborted) {
          // Shutting down mid-send: not the server's fault; the claim is given back for the next start.
          await deps.repo.release(alert.id, deps.owner);
          return;
        }
        const attempts = Number(alert.attempts) + 1;
        const delay = RETRY_DELAYS_MS[Math.min(attempts - 1, RETRY_DELAYS_MS.length - 1)]!;
        const retryAt = attempts >= MAX_ATTEMPTS ? undefined : deps.clock.now() + delay;
        await deps.repo.attemptFailed(alert.id, deps.owner, describeError(err), retryAt);
        log.warn(retryAt ? 'alert not delivered; retried later' : 'alert not delivered; giving up', { alertId: alert.id, workflowId: alert.workflow_id, attempts, err: describeError(err) });
      }
    }
  }

  async function tickOnce(): Promise<void> {
    await decideNew();
    await recoverAll();
    await sendDue();
    const now = deps.clock.now();
    if (now - prunedAt > DEDUPE_WINDOW_MS) {
      prunedAt = now;
      await deps.repo.prune(now - KEEP_MS);
    }
  }

  /** Runs one pass; a call while one runs makes it go round once more. */
  function tick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await tickOnce().catch((err: unknown) => log.warn('alert pass failed; retried shortly', { err: String(err) }));
      } while (again && !sending.signal.aborted);
    })().finally(() => (running = undefined));
    return running;
  }

  function tickSoon(): void {
    if (soon || sending.signal.aborted) return;
    soon = setTimeout(() => {
      soon = undefined;
      void tick();
    }, 10);
  }

  return {
    tick,
    /**
     * Queues the alert of one failure, when the version it ran has alerts on failure. Resolves once
     * the alert is stored (the failure queue drops its row only then); the e-mail goes later.
     */
    async queueFailure(exec: ExecutionRow, event: FailureEvent): Promise<void> {
      const to = recipientsOf(await deps.settingsOf(exec.workflow_id, exec.workflow_version), 'onFailure');
      if (to.length === 0) return;
      const queued = await deps.repo.enqueue(
        newAlert({
          workflow_id: exec.workflow_id,
          kind: 'failure',
          execution_id: exec.id,
          node_id: event.failedNode?.id ?? null,
          node_type: event.failedNode?.type ?? null,
          error_code: event.error.code,
          error_message: event.error.message.slice(0, 2000),
          recipients: JSON.stringify(to),
          status: 'new',
        }),
      );
      if (queued) tickSoon();
    },
    async list(workflowId: string, opts: { limit: number; before?: string }): Promise<{ items: AlertView[]; nextCursor: string | null }> {
      const rows = await deps.repo.list(workflowId, { limit: opts.limit + 1, ...(opts.before ? { before: opts.before } : {}) });
      const items = rows.slice(0, opts.limit).map(toAlertView);
      return { items, nextCursor: rows.length > opts.limit ? items[items.length - 1]!.id : null };
    },
    start(): void {
      timer = setInterval(() => void tick(), deps.intervalMs ?? 2_000);
      timer.unref();
      unsubscribe = deps.events.onExecution((e) => {
        if (e.status === 'success' && failing.has(e.workflowId)) tickSoon();
      });
      void tick();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      if (soon) clearTimeout(soon);
      unsubscribe?.();
      sending.abort(new Error('shutting down'));
      await running;
    },
  };
}
export type AlertService = ReturnType<typeof createAlertService>;
