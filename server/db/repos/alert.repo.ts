/**
 * SQL for e-mail alerts: the queue and record (`alerts`), the per-signature dedupe window
 * (`alert_signatures`) and the workflows awaiting recovery (`alert_states`). Every decision that
 * two processes could race on is one conditional statement or one transaction, so on PostgreSQL
 * only one of them wins it. No rules here beyond those conditions: services/alerts decides.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AlertsTable, AlertStatesTable, Schema } from '../schema.ts';

export type AlertRow = Selectable<AlertsTable>;
export type AlertState = AlertStatesTable;
export type NewAlert = Omit<AlertRow, 'repeats' | 'attempts' | 'last_error' | 'claimed_by' | 'claimed_until' | 'sent_at'> & { repeats?: number };

/** Final: nothing more happens to these rows. */
export const FINAL_STATUSES = ['sent', 'captured', 'suppressed', 'failed'] as const;

export function createAlertRepo(db: Kysely<Schema>) {
  return {
    /** Queues one alert unless its execution already has one of this kind (a failure drained twice). */
    async enqueue(row: NewAlert): Promise<boolean> {
      const r = await db
        .insertInto('alerts')
        .values(row)
        .onConflict((oc) => oc.columns(['execution_id', 'kind']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    /** Failure alerts not deduplicated yet, oldest first. */
    listUndecided(limit: number): Promise<AlertRow[]> {
      return db.selectFrom('alerts').selectAll().where('status', '=', 'new').orderBy('created_at').orderBy('id').limit(limit).execute();
    },

    /**
     * Deduplicates one failure alert, in one transaction: the row leaves 'new' (only one caller
     * does), the signature's window is opened or counted in, and the workflow is marked as failing
     * (awaiting recovery). Within `windowMs` of the signature's last e-mail the alert is suppressed;
     * otherwise it is to send, carrying the repeats suppressed since that e-mail.
     * Returns undefined when another caller decided it first.
     */
    async decide(alert: AlertRow, signature: string, now: number, windowMs: number, failure: { createdAt: number; finishedAt: number }): Promise<{ send: boolean; repeats: number } | undefined> {
      return db.transaction().execute(async (trx) => {
        const taken = await trx.updateTable('alerts').set({ status: 'deciding' }).where('id', '=', alert.id).where('status', '=', 'new').executeTakeFirst();
        if (Number(taken.numUpdatedRows) === 0) return undefined;
        const within = sql<boolean>`alert_signatures.sent_at > ${now - windowMs}`;
        const sig = await trx
          .insertInto('alert_signatures')
          .values({ signature, workflow_id: alert.workflow_id, sent_at: now, suppressed: 0, carried: 0 })
          .onConflict((oc) =>
            oc.column('signature').doUpdateSet({
              carried: sql`CASE WHEN ${within} THEN alert_signatures.carried ELSE alert_signatures.suppressed END`,
              suppressed: sql`CASE WHEN ${within} THEN alert_signatures.suppressed + 1 ELSE 0 END`,
              sent_at: sql`CASE WHEN ${within} THEN alert_signatures.sent_at ELSE ${now} END`,
            }),
          )
          .returning(['sent_at', 'suppressed', 'carried'])
          .executeTakeFirstOrThrow();
        const send = Number(sig.sent_at) === now && Number(sig.suppressed) === 0;
        const repeats = send ? Number(sig.carried) : 0;
        await trx.updateTable('alerts').set({ status: send ? 'pending' : 'suppressed', repeats }).where('id', '=', alert.id).execute();
        await trx
          .insertInto('alert_states')
          .values({ workflow_id: alert.workflow_id, failure_execution_id: alert.execution_id, failure_created_at: failure.createdAt, failure_finished_at: failure.finishedAt })
          .onConflict((oc) =>
            oc.column('workflow_id').doUpdateSet({
              failure_execution_id: sql`CASE WHEN excluded.failure_finished_at >= alert_states.failure_finished_at THEN excluded.failure_execution_id ELSE alert_states.failure_execution_id END`,
              failure_created_at: sql`CASE WHEN excluded.failure_finished_at >= alert_states.failure_finished_at THEN excluded.failure_created_at ELSE alert_states.failure_created_at END`,
              failure_finished_at: sql`CASE WHEN excluded.failure_finished_at >= alert_states.failure_finished_at THEN excluded.failure_finished_at ELSE alert_states.failure_finished_at END`,
            }),
          )
          .execute();
        return { send, repeats };
      });
    },

    /**
     * Takes the oldest alert due for sending, for `leaseMs`: a claim another process holds (or a
     * crashed one held, until it runs out) is skipped. The conditional UPDATE is the claim: of two
     * processes racing for one row, one changes it.
     */
    async claimDue(owner: string, now: number, leaseMs: number): Promise<AlertRow | undefined> {
      for (let tries = 0; tries < 5; tries++) {
        const next = await db
          .selectFrom('alerts')
          .select('id')
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(1)
          .executeTakeFirst();
        if (!next) return undefined;
        const won = await db
          .updateTable('alerts')
          .set({ claimed_by: owner, claimed_until: now + leaseMs })
          .where('id', '=', next.id)
          .where('status', '=', 'pending')
          .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
          .returningAll()
          .executeTakeFirst();
        if (won) return won;
      }
      return undefined;
    },

    /** Records a delivery (or outbox capture), if this owner still holds the claim. */
    async delivered(id: string, owner: string, status: 'sent' | 'captured', at: number): Promise<void> {
      await db
        .updateTable('alerts')
        .set((eb) => ({ status, sent_at: at, attempts: eb('attempts', '+', 1), last_error: null, claimed_by: null, claimed_until: null }))
        .where('id', '=', id)
        .where('claimed_by', '=', owner)
        .execute();
    },

    /** Records a failed attempt: retried at `retryAt`, or given up ('failed') when undefined. */
    async attemptFailed(id: string, owner: string, error: string, retryAt: number | undefined): Promise<void> {
      await db
        .updateTable('alerts')
        .set((eb) => ({
          status: retryAt === undefined ? 'failed' : 'pending',
          attempts: eb('attempts', '+', 1),
          last_error: error,
          next_attempt_at: retryAt ?? sql<number>`next_attempt_at`,
          claimed_by: null,
          claimed_until: null,
        }))
        .where('id', '=', id)
        .where('claimed_by', '=', owner)
        .execute();
    },

    /** Gives a claim back untouched (shutting down mid-send): the alert is due again at once. */
    async release(id: string, owner: string): Promise<void> {
      await db.updateTable('alerts').set({ claimed_by: null, claimed_until: null }).where('id', '=', id).where('claimed_by', '=', owner).execute();
    },

    /** Newest first; the cursor is the last id seen. */
    list(workflowId: string, opts: { limit: number; before?: string }): Promise<AlertRow[]> {
      let q = db.selectFrom('alerts').selectAll().where('workflow_id', '=', workflowId);
      if (opts.before) q = q.where('id', '<', opts.before);
      return q.orderBy('id', 'desc').limit(opts.limit).execute();
    },

    /** The workflows whose last alert was a failure: few, read whole. */
    failingStates(): Promise<AlertState[]> {
      return db.selectFrom('alert_states').selectAll().execute();
    },

    /** The first success of a workflow since a failure (executions_workflow bounds the scan to runs created since). */
    firstSuccessSince(workflowId: string, since: { createdAt: number; finishedAt: number }) {
      return db
        .selectFrom('executions')
        .select(['id', 'workflow_version', 'finished_at', 'created_at'])
        .where('workflow_id', '=', workflowId)
        .where('created_at', '>=', since.createdAt)
        .where('status', '=', 'success')
        .where('finished_at', '>=', since.finishedAt)
        .orderBy('finished_at')
        .limit(1)
        .executeTakeFirst();
    },

    /**
     * Ends a workflow's failing state, if it is still the one `state` read (a failure since wins),
     * forgets its dedupe windows, and queues the recovery alert (when given), in one transaction.
     * Returns whether this caller ended it.
     */
    async recover(state: AlertState, recovery: NewAlert | undefined): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const gone = await trx
          .deleteFrom('alert_states')
          .where('workflow_id', '=', state.workflow_id)
          .where('failure_execution_id', '=', state.failure_execution_id)
          .executeTakeFirst();
        if (Number(gone.numDeletedRows) === 0) return false;
        await trx.deleteFrom('alert_signatures').where('workflow_id', '=', state.workflow_id).execute();
        if (recovery) await trx.insertInto('alerts').values(recovery).onConflict((oc) => oc.columns(['execution_id', 'kind']).doNothing()).execute();
        return true;
      });
    },

    /** Forgets the failing state and dedupe windows of a deleted workflow. */
    async forget(workflowId: string): Promise<void> {
      await db.deleteFrom('alert_states').where('workflow_id', '=', workflowId).execute();
      await db.deleteFrom('alert_signatures').where('workflow_id', '=', workflowId).execute();
    },

    /** Drops final alerts older than `before`. */
    async prune(before: number): Promise<number> {
      const r = await db.deleteFrom('alerts').where('status', 'in', [...FINAL_STATUSES]).where('created_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type AlertRepo = ReturnType<typeof createAlertRepo>;
