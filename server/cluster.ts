/**
 * The glue between processes that share one PostgreSQL database. Nothing here is needed for
 * correctness of what runs (leases, fences, compare-and-sets and unique keys in the database see
 * to that); it keeps every process's view fresh and makes singletons single:
 *  - one process at a time (an advisory lock, retried every few seconds) runs the schedule and
 *    poll timers and retention; when it dies, PostgreSQL drops the lock and another takes over;
 *  - a workflow, credential or variable changed in one process is announced (NOTIFY) so the others
 *    drop cached webhooks and secrets, re-read the variables, and the trigger leader re-arms it;
 *  - after the LISTEN connection comes back, everything is re-read, since NOTIFY is not replayed.
 */
import { CHANNELS, type Notifications } from './db/store.ts';
import type { WorkflowRecord } from './db/repos/workflow.repo.ts';
import type { Activator } from './engine/activator.ts';
import type { Logger } from './lib/logger.ts';

export type ClusterDeps = {
  notifications: Notifications;
  logger: Logger;
  /** Whether this process may lead (runs schedules, polls, retention): not a `web` process. */
  canLead: boolean;
  getWorkflow(id: string): Promise<WorkflowRecord | undefined>;
  listActive(): Promise<WorkflowRecord[]>;
  activator: Pick<Activator, 'arm' | 'disarm'>;
  triggers: { lead(active: WorkflowRecord[]): Promise<void>; follow(): Promise<void> };
  pruner: { start(): void; stop(): void };
  /** Drop cached copies (webhook tokens, credential secrets) after a change elsewhere. */
  forgetWorkflow(id?: string): void;
  forgetCredential(id: string): void;
  /** Re-read the workspace variables (one changed elsewhere, or announcements may have been missed). */
  refreshVariables(): void;
};

export type Cluster = {
  start(): Promise<void>;
  stop(): Promise<void>;
  leading(): boolean;
  announceWorkflow(id: string): void;
  announceCredential(id: string): void;
  announceVariable(name: string): void;
};

export const LEADER_LOCK = 'switchyard-triggers';

export function createCluster(d: ClusterDeps): Cluster {
  const log = d.logger.child({ component: 'cluster' });
  let lock: { held(): boolean; stop(): Promise<void> } | undefined;
  let listener: { close(): Promise<void> } | undefined;
  let leading = false;
  // Leadership changes and re-arms take turns, so a re-arm never races lead()/follow().
  let chain: Promise<unknown> = Promise.resolve();
  const serial = (fn: () => Promise<unknown>) => {
    chain = chain.then(fn).catch((err: unknown) => log.error('cluster task failed', { err: String(err) }));
    return chain;
  };

  async function rearm(id: string): Promise<void> {
    if (!leading) return;
    const wf = await d.getWorkflow(id);
    if (wf?.active) await d.activator.arm(wf);
    else await d.activator.disarm(id, { clearState: false });
  }

  /**
   * Workflows announced as changed and not re-armed yet. They are re-armed together, by one task
   * of the chain: one task per workflow would let each arm wait behind a whole schedule pass of
   * a busy leader (a thousand workflows activated in a row took minutes to be armed).
   */
  let changed = new Set<string>();
  async function rearmChanged(): Promise<void> {
    const ids = [...changed];
    changed = new Set();
    await Promise.all(ids.map((id) => rearm(id).catch((err: unknown) => log.error('re-arm failed', { workflowId: id, err: String(err) }))));
  }

  function onChange(held: boolean): void {
    void serial(async () => {
      if (held === leading) return;
      leading = held;
      if (held) {
        log.info('this process now runs schedules, polls and retention');
        await d.triggers.lead(await d.listActive());
        d.pruner.start();
      } else {
        log.warn('lost the trigger lock: schedules and polls stop here until it is taken again');
        d.pruner.stop();
        await d.triggers.follow();
      }
    });
  }

  function receive(_channel: string, payload: string): void {
    // Variables are re-read whole, so once per notification however many changed.
    let variables = false;
    for (const line of payload.split('\n')) {
      const [kind, id] = line.split(':');
      if (!id) continue;
      if (kind === 'w') {
        d.forgetWorkflow(id);
        if (changed.size === 0) void serial(rearmChanged);
        changed.add(id);
      } else if (kind === 'c') d.forgetCredential(id);
      else if (kind === 'v') variables = true;
    }
    if (variables) d.refreshVariables();
  }

  function announce(line: string): void {
    d.notifications.notify(CHANNELS.triggers, [line]).catch((err: unknown) => log.warn('change notify failed', { err: String(err) }));
  }

  return {
    async start() {
      listener = await d.notifications.listen([CHANNELS.triggers], receive, () => {
        // Missed announcements: forget every cached hook and re-arm from the database.
        d.forgetWorkflow();
        d.refreshVariables();
        void serial(async () => {
          if (leading) await d.triggers.lead(await d.listActive());
        });
      });
      if (d.canLead) lock = d.notifications.leadership(LEADER_LOCK, onChange);
    },
    async stop() {
      await lock?.stop();
      await listener?.close();
      await chain;
      if (leading) {
        leading = false;
        d.pruner.stop();
      }
    },
    leading: () => leading,
    announceWorkflow: (id) => announce(`w:${id}`),
    announceCredential: (id) => announce(`c:${id}`),
    announceVariable: (name) => announce(`v:${name}`),
  };
}
