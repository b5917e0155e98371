/**
 * The `poll` trigger kind: one timer per active poll trigger, seeding on the first poll, one
 * execution per new item (oldest first, idempotent across restarts), conditional requests,
 * exponential backoff with the error shown in `triggers`, jittered starts.
 *
 * Only a leading process polls (`lead`/`follow`), but starting an item once never depends on it:
 * each item's start carries an idempotency key (token per activation epoch, key = the item's key),
 * so two processes polling at once during a handover start every new item once. State is written
 * by compare-and-set over the text last read: a poller that loses adopts what the winner wrote (an
 * item it started and the winner has not seen comes back next poll as a duplicate, started once),
 * and one that finds the row gone or re-armed for another source stops (disarmed elsewhere).
 */
import type { Kysely } from 'kysely';
import { AppError, RetryableError } from '#shared/errors.ts';
import type { Issue } from '#shared/issues.ts';
import { findTrigger, getNodeDefinition } from '#shared/nodes/registry.ts';
import type { WorkflowNode } from '#shared/workflow.ts';
import type { Schema } from '../db/schema.ts';
import type { Dialect } from '../db/store.ts';
import { createTriggerStateRepo, stateKey } from '../db/repos/trigger-state.repo.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import { iso, type Clock } from '../lib/clock.ts';
import { newToken } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import { IDEMPOTENCY_WINDOW_MS, type StartFn } from './start.ts';
import type { TriggerKind } from './activator.ts';
import type { Leadership } from './triggers.ts';
import { pollDefinitionOf, type PollConfig, type PollRunner } from './poll-run.ts';
import { freshPollState, nextDelay, oldestFirst, parsePollState, remember, selectNew, sourceFingerprint, type PollOutcome, type PollState } from './poll-state.ts';

export type PollerDeps = {
  db: Kysely<Schema>;
  /** Which SQL the compare-and-set of an arm speaks (default sqlite). */
  dialect?: Dialect;
  clock: Clock;
  logger: Logger;
  runner: PollRunner;
  /** The durable execution path (execution.service `start`). */
  start: StartFn;
  /** Start as the process that polls (default; SQLite has one process). */
  leading?: boolean;
  /** JSONata syntax check for `items` and `key` at activation (null = fine). */
  check?(expression: string): string | null;
  /** Upper bound of the random delay before a trigger's first poll. */
  maxStartJitterMs?: number;
  /** Told of each failed poll run (metrics). */
  onFailure?(workflowId: string): void;
  random?: () => number;
};

type Entry = {
  key: string;
  workflow: { id: string; name: string; version: number };
  node: WorkflowNode;
  intervalMs: number;
  fireOnFirstPoll: boolean;
  state: PollState;
  /** The exact stored text `state` was read or written as: the compare-and-set's expectation. */
  json: string;
  timer: NodeJS.Timeout | undefined;
  abort: AbortController;
  running: Promise<void> | null;
};

/** The workflow's trigger node (the first one, as the activator picks it) when it is a poll. */
function pollNodeOf(wf: WorkflowRecord): WorkflowNode | undefined {
  const node = findTrigger(wf.nodes);
  const def = node && getNodeDefinition(node.type);
  return def?.kind === 'trigger' && def.activation.kind === 'poll' ? node : undefined;
}

function describe(err: unknown): string {
  if (err instanceof AppError && Array.isArray(err.details) && err.details[0]) {
    const d = err.details[0] as { path?: string; message?: string };
    return `${err.message}: ${d.path ?? ''} ${d.message ?? ''}`.trim();
  }
  return err instanceof Error ? err.message : String(err);
}

export function createPoller(deps: PollerDeps): TriggerKind & Leadership & { stats(): { armed: number; leading: boolean } } {
  const { clock } = deps;
  const log = deps.logger.child({ component: 'poller' });
  const repo = createTriggerStateRepo(deps.db, deps.dialect);
  const random = deps.random ?? Math.random;
  const maxJitter = deps.maxStartJitterMs ?? 10_000;
  const entries = new Map<string, Entry>();
  let stopped = false;
  let leading = deps.leading ?? true;

  let chain: Promise<unknown> = Promise.resolve();
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn);
    chain = run.catch(() => undefined);
    return run;
  }

  function schedule(e: Entry, delay: number): void {
    if (stopped || !leading || entries.get(e.key) !== e) return;
    if (e.timer) clearTimeout(e.timer);
    e.timer = setTimeout(() => {
      e.timer = undefined;
      e.running = pollOnce(e)
        .catch((err: unknown) => {
          // The state could not be read or written (database away): try again later, backing off.
          log.error('poll crashed', { workflowId: e.workflow.id, err: String(err), stack: (err as Error)?.stack });
          schedule(e, nextDelay(e.intervalMs, e.state.failures + 1));
        })
        .finally(() => {
          e.running = null;
        });
    }, Math.max(0, delay));
    e.timer.unref();
  }

  async function pollOnce(e: Entry): Promise<void> {
    const started = clock.now();
    let s = e.state;
    let error: unknown;
    let retryAfterMs: number | undefined;
    let outcome: PollOutcome | null = null;
    try {
      const target = { workflow: { id: e.workflow.id, name: e.workflow.name }, node: e.node };
      const res = await deps.runner.run(target, { etag: s.etag, lastModified: s.lastModified, signal: e.abort.signal });
      if (res.notModified) {
        s = { ...s, etag: res.etag ?? s.etag, lastModified: res.lastModified ?? s.lastModified };
        outcome = 'not-modified';
      } else {
        const ordered = oldestFirst(res.items);
        if (!s.seeded && !e.fireOnFirstPoll) {
          // Seeding: what is already there is history, not news.
          s = { ...s, seeded: true, seen: remember(s.seen, ordered.map((it) => it.key)), etag: res.etag ?? null, lastModified: res.lastModified ?? null };
          log.info('poll seeded', { workflowId: e.workflow.id, keys: ordered.length });
          outcome = { items: ordered.length, started: 0 };
        } else {
          const { fresh, more } = selectNew(ordered, s.seen);
          const polledAt = iso(started);
          const token = `poll:${e.workflow.id}:${e.node.id}:${s.epoch}`;
          // One after another, each durable before the next and in a later millisecond, so creation
          // order (the executions list, the FIFO queue) is oldest first. A failed start stops the run:
          // a newer item never goes before an older one; the rest stay unseen for the next poll.
          const fired = new Set<string>();
          let failure: unknown;
          let duplicates = 0;
          let lastAt = -1;
          for (const it of fresh) {
            if (e.abort.signal.aborted) break;
            // Bounded: a frozen (fake) clock must not spin here forever.
            for (let i = 0; i < 3 && clock.now() === lastAt; i++) await new Promise((r) => setTimeout(r, 1));
            lastAt = clock.now();
            try {
              const r = await deps.start({
                workflowId: e.workflow.id,
                workflowVersion: e.workflow.version,
                triggerNodeId: e.node.id,
                mode: 'poll',
                event: { item: it.item, polledAt },
                idempotency: { token, key: it.key, since: started - IDEMPOTENCY_WINDOW_MS },
              });
              if (r.duplicate) duplicates++;
              fired.add(it.key);
            } catch (err) {
              failure = err;
              break;
            }
          }
          const before = new Set(s.seen);
          const known = ordered.filter((it) => before.has(it.key) || fired.has(it.key)).map((it) => it.key);
          const complete = !more && fired.size === fresh.length;
          s = {
            ...s,
            seeded: true,
            seen: remember(s.seen, known),
            // A 304 next time would hide the items left for later: only keep validators after a complete poll.
            etag: complete ? (res.etag ?? null) : null,
            lastModified: complete ? (res.lastModified ?? null) : null,
          };
          if (fresh.length) log.info('poll found new items', { workflowId: e.workflow.id, started: fired.size - duplicates, duplicates, more });
          if (failure !== undefined) error = failure;
          else outcome = { items: ordered.length, started: fired.size - duplicates };
        }
      }
    } catch (err) {
      error = err;
      if (err instanceof RetryableError) retryAfterMs = err.retryAfterMs;
    }
    // Disarmed mid-poll (deactivation, an edit) or told to follow (another process owns the
    // trigger now): the next owner's state wins, so nothing is written; an abort is no failure.
    if (e.abort.signal.aborted || entries.get(e.key) !== e) return;
    const now = clock.now();
    const failures = error === undefined ? 0 : s.failures + 1;
    if (error !== undefined) {
      log.warn('poll failed', { workflowId: e.workflow.id, failures, error: describe(error) });
      deps.onFailure?.(e.workflow.id);
    }
    s = {
      ...s,
      lastPolledAt: started,
      failures,
      lastError: error === undefined ? null : describe(error),
      lastErrorAt: error === undefined ? null : now,
      nextPollAt: now + nextDelay(e.intervalMs, failures, retryAfterMs),
      lastResult: outcome,
    };
    const json = JSON.stringify(s);
    if (await repo.swap({ workflowId: e.workflow.id, nodeId: e.node.id, expect: e.json, next: json }, now)) {
      e.state = s;
      e.json = json;
    } else if (!(await adopt(e))) return;
    schedule(e, (e.state.nextPollAt ?? now + e.intervalMs) - clock.now());
  }

  /**
   * Another process wrote the state since we read it (a second leader during a handover, or an arm
   * elsewhere). Same activation: take its state as ours. Row gone or a new activation: that process
   * disarmed or re-armed the trigger, and its owner (re-armed from the database) polls from now on.
   */
  async function adopt(e: Entry): Promise<boolean> {
    const row = await repo.get(e.workflow.id, e.node.id);
    const theirs = row && parsePollState(row.json);
    if (entries.get(e.key) !== e || e.abort.signal.aborted) return false;
    if (!row || !theirs || theirs.epoch !== e.state.epoch || theirs.source !== e.state.source) {
      entries.delete(e.key);
      log.info('poll trigger disarmed or re-armed elsewhere; it stops polling here', { workflowId: e.workflow.id, nodeId: e.node.id });
      return false;
    }
    e.state = theirs;
    e.json = row.json;
    return true;
  }

  /** Stops the entry's timer and poll at once (a poll in flight writes nothing after this). */
  function halt(e: Entry, why: string): void {
    if (e.timer) clearTimeout(e.timer);
    e.timer = undefined;
    e.abort.abort(new Error(why));
  }

  async function release(workflowId: string): Promise<void> {
    for (const [key, e] of entries) {
      if (e.workflow.id !== workflowId) continue;
      entries.delete(key);
      halt(e, 'poll trigger disarmed');
      await e.running;
    }
  }

  /** Reads, or creates (first writer wins, so two processes share one epoch), the state to poll with. */
  async function loadState(wfId: string, nodeId: string, source: string, now: number): Promise<{ state: PollState; json: string }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = await repo.get(wfId, nodeId);
      const prev = row && parsePollState(row.json);
      if (row && prev && prev.source === source) return { state: prev, json: row.json };
      const fresh = freshPollState(source, newToken(9));
      const json = JSON.stringify(fresh);
      if (!row ? await repo.insertIfAbsent(wfId, nodeId, json, now) : await repo.swap({ workflowId: wfId, nodeId, expect: row.json, next: json }, now)) return { state: fresh, json };
    }
    throw new Error(`could not arm the poll trigger of ${wfId}: its state keeps changing`);
  }

  /** Makes sure the state exists for this source (whichever process arms); only a leading process polls. */
  async function arm(wf: WorkflowRecord, node: WorkflowNode): Promise<void> {
    const def = pollDefinitionOf(node);
    // Parsed raw (templates unresolved), so a `{{ now }}` in the URL does not look like a new source.
    const cfg = def.config.parse(node.config) as PollConfig;
    const source = sourceFingerprint(cfg);
    await serial(async () => {
      if (stopped) return;
      await release(wf.id);
      const now = clock.now();
      const { state, json } = await loadState(wf.id, node.id, source, now);
      if (!leading) return; // the state is ready for whoever leads; this process does not poll
      const intervalMs = def.activation.kind === 'poll' ? def.activation.everySeconds(cfg) * 1000 : cfg.intervalSeconds * 1000;
      const e: Entry = {
        key: stateKey(wf.id, node.id),
        workflow: { id: wf.id, name: wf.name, version: wf.version },
        node,
        intervalMs,
        fireOnFirstPoll: cfg.fireOnFirstPoll,
        state,
        json,
        timer: undefined,
        abort: new AbortController(),
        running: null,
      };
      entries.set(e.key, e);
      // Spread first polls (after a restart, many are due at once) instead of all in one millisecond.
      const jitter = Math.floor(random() * Math.min(intervalMs / 2, maxJitter));
      schedule(e, Math.max(0, (state.nextPollAt ?? now) - now) + jitter);
    });
  }

  return {
    validate(node: WorkflowNode, index: number): Issue[] {
      const issues: Issue[] = [];
      for (const field of ['items', 'key'] as const) {
        const expr = node.config[field];
        if (typeof expr !== 'string') continue;
        const problem = deps.check?.(expr);
        if (problem) issues.push({ path: `nodes.${index}.config.${field}`, message: problem });
      }
      return issues;
    },

    arm,

    async disarm(workflowId: string, opts: { clearState: boolean }): Promise<void> {
      await serial(async () => {
        await release(workflowId);
        if (opts.clearState) await repo.deleteForWorkflow(workflowId);
      });
    },

    /** This process polls from now on: every given workflow whose trigger is a poll is armed. */
    async lead(active: WorkflowRecord[]): Promise<void> {
      if (stopped) return;
      leading = true;
      for (const wf of active) {
        const node = pollNodeOf(wf);
        if (!node) continue;
        try {
          await arm(wf, node);
        } catch (err) {
          log.error('poll trigger failed to arm on taking the lead', { workflowId: wf.id, err: String(err) });
        }
      }
    },

    /**
     * Another process polls now: every timer stops and every poll in flight is aborted at once, so
     * none writes state or starts another item after this call; resolves once they have wound down.
     */
    async follow(): Promise<void> {
      leading = false;
      for (const e of entries.values()) halt(e, 'poll trigger handed over');
      await serial(async () => {
        const ids = new Set([...entries.values()].map((e) => e.workflow.id));
        for (const id of ids) await release(id);
      });
    },

    async info(wf: WorkflowRecord, node: WorkflowNode) {
      const row = wf.active ? await repo.get(wf.id, node.id) : undefined;
      const s = row ? parsePollState(row.json) : undefined;
      return {
        lastPolledAt: iso(s?.lastPolledAt),
        lastError: s?.lastError ?? null,
        lastErrorAt: iso(s?.lastErrorAt),
        nextPollAt: iso(s?.nextPollAt),
        ...(s?.lastResult ? { lastPoll: s.lastResult === 'not-modified' ? { notModified: true } : s.lastResult } : {}),
      };
    },

    async stop(): Promise<void> {
      await serial(async () => {
        stopped = true;
        const ids = new Set([...entries.values()].map((e) => e.workflow.id));
        for (const id of ids) await release(id);
      });
    },

    stats: () => ({ armed: entries.size, leading }),
  };
}
