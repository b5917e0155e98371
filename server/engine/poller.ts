/**
 * The `poll` trigger kind: one timer per active poll trigger, seeding on the first poll, one
 * execution per new item (oldest first, idempotent across restarts), conditional requests,
 * exponential backoff with the error shown in `triggers`, jittered starts.
 */
import type { Kysely } from 'kysely';
import { AppError, RetryableError } from '#shared/errors.ts';
import type { Issue } from '#shared/issues.ts';
import type { WorkflowNode } from '#shared/workflow.ts';
import type { Schema } from '../db/schema.ts';
import { createTriggerStateRepo, stateKey } from '../db/repos/trigger-state.repo.ts';
import type { WorkflowRecord } from '../db/repos/workflow.repo.ts';
import { iso, type Clock } from '../lib/clock.ts';
import { newToken } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import { IDEMPOTENCY_WINDOW_MS, type StartRequest } from './start.ts';
import type { TriggerKind } from './activator.ts';
import { pollDefinitionOf, type PollConfig, type PollRunner } from './poll-run.ts';
import { freshPollState, nextDelay, oldestFirst, parsePollState, remember, selectNew, sourceFingerprint, type PollState } from './poll-state.ts';

export type PollerDeps = {
  db: Kysely<Schema>;
  clock: Clock;
  logger: Logger;
  runner: PollRunner;
  /** The durable execution path (execution.service `start`). */
  start(req: StartRequest): Promise<{ executionId: string; duplicate: boolean }>;
  /** JSONata syntax check for `items` and `key` at activation (null = fine). */
  check?(expression: string): string | null;
  /** Upper bound of the random delay before a trigger's first poll. */
  maxStartJitterMs?: number;
  random?: () => number;
};


type Entry = {
  key: string;
  workflow: { id: string; name: string; version: number };
  node: WorkflowNode;
  intervalMs: number;
  fireOnFirstPoll: boolean;
  state: PollState;
  timer: NodeJS.Timeout | undefined;
  abort: AbortController;
  running: Promise<void> | null;
};

function describe(err: unknown): string {
  if (err instanceof AppError && Array.isArray(err.details) && err.details[0]) {
    const d = err.details[0] as { path?: string; message?: string };
    return `${err.message}: ${d.path ?? ''} ${d.message ?? ''}`.trim();
  }
  return err instanceof Error ? err.message : String(err);
}

export function createPoller(deps: PollerDeps): TriggerKind & { stats(): { armed: number } } {
  const { clock } = deps;
  const log = deps.logger.child({ component: 'poller' });
  const repo = createTriggerStateRepo(deps.db);
  const random = deps.random ?? Math.random;
  const maxJitter = deps.maxStartJitterMs ?? 10_000;
  const entries = new Map<string, Entry>();
  let stopped = false;

  let chain: Promise<unknown> = Promise.resolve();
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn);
    chain = run.catch(() => undefined);
    return run;
  }

  function schedule(e: Entry, delay: number): void {
    if (stopped || entries.get(e.key) !== e) return;
    if (e.timer) clearTimeout(e.timer);
    e.timer = setTimeout(() => {
      e.timer = undefined;
      e.running = pollOnce(e)
        .catch((err: unknown) => log.error('poll crashed', { workflowId: e.workflow.id, err: String(err), stack: (err as Error)?.stack }))
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
    try {
      const target = { workflow: { id: e.workflow.id, name: e.workflow.name }, node: e.node };
      const res = await deps.runner.run(target, { etag: s.etag, lastModified: s.lastModified, signal: e.abort.signal });
      if (res.notModified) {
        s = { ...s, etag: res.etag ?? s.etag, lastModified: res.lastModified ?? s.lastModified };
      } else {
        const ordered = oldestFirst(res.items);
        if (!s.seeded && !e.fireOnFirstPoll) {
          // Seeding: what is already there is history, not news.
          s = { ...s, seeded: true, seen: remember(s.seen, ordered.map((it) => it.key)), etag: res.etag ?? null, lastModified: res.lastModified ?? null };
          log.info('poll seeded', { workflowId: e.workflow.id, keys: ordered.length });
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
        }
      }
    } catch (err) {
      error = err;
      if (err instanceof RetryableError) retryAfterMs = err.retryAfterMs;
    }
    // Disarmed mid-poll (deactivation, an edit): the next arm owns the state; an abort is no failure.
    if (e.abort.signal.aborted || entries.get(e.key) !== e) return;
    const now = clock.now();
    const failures = error === undefined ? 0 : s.failures + 1;
    if (error !== undefined) log.warn('poll failed', { workflowId: e.workflow.id, failures, error: describe(error) });
    s = {
      ...s,
      lastPolledAt: started,
      failures,
      lastError: error === undefined ? null : describe(error),
      lastErrorAt: error === undefined ? null : now,
      nextPollAt: now + nextDelay(e.intervalMs, failures, retryAfterMs),
    };
    e.state = s;
    await repo.put(e.workflow.id, e.node.id, JSON.stringify(s), now);
    schedule(e, s.nextPollAt! - clock.now());
  }

  async function release(workflowId: string): Promise<void> {
    for (const [key, e] of entries) {
      if (e.workflow.id !== workflowId) continue;
      entries.delete(key);
      if (e.timer) clearTimeout(e.timer);
      e.abort.abort(new Error('poll trigger disarmed'));
      await e.running;
    }
  }

  /** Reads, or creates (first writer wins, so two processes share one epoch), the state to poll with. */
  async function loadState(wfId: string, nodeId: string, source: string, now: number): Promise<PollState> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = await repo.get(wfId, nodeId);
      const prev = row && parsePollState(row.json);
      if (prev && prev.source === source) return prev;
      const fresh = freshPollState(source, newToken(9));
      const json = JSON.stringify(fresh);
      if (!row ? await repo.insertIfAbsent(wfId, nodeId, json, now) : await repo.swap({ workflowId: wfId, nodeId, expect: row.json, next: json }, now)) return fresh;
    }
    throw new Error(`could not arm the poll trigger of ${wfId}: its state keeps changing`);
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

    async arm(wf: WorkflowRecord, node: WorkflowNode): Promise<void> {
      const def = pollDefinitionOf(node);
      // Parsed raw (templates unresolved), so a `{{ now }}` in the URL does not look like a new source.
      const cfg = def.config.parse(node.config) as PollConfig;
      const source = sourceFingerprint(cfg);
      await serial(async () => {
        if (stopped) return;
        await release(wf.id);
        const now = clock.now();
        const state = await loadState(wf.id, node.id, source, now);
        const intervalMs = def.activation.kind === 'poll' ? def.activation.everySeconds(cfg) * 1000 : cfg.intervalSeconds * 1000;
        const e: Entry = {
          key: stateKey(wf.id, node.id),
          workflow: { id: wf.id, name: wf.name, version: wf.version },
          node,
          intervalMs,
          fireOnFirstPoll: cfg.fireOnFirstPoll,
          state,
          timer: undefined,
          abort: new AbortController(),
          running: null,
        };
        entries.set(e.key, e);
        // Spread first polls (after a restart, many are due at once) instead of all in one millisecond.
        const jitter = Math.floor(random() * Math.min(intervalMs / 2, maxJitter));
        schedule(e, Math.max(0, (state.nextPollAt ?? now) - now) + jitter);
      });
    },

    async disarm(workflowId: string, opts: { clearState: boolean }): Promise<void> {
      await serial(async () => {
        await release(workflowId);
        if (opts.clearState) await repo.deleteForWorkflow(workflowId);
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
      };
    },

    async stop(): Promise<void> {
      await serial(async () => {
        stopped = true;
        const ids = new Set([...entries.values()].map((e) => e.workflow.id));
        for (const id of ids) await release(id);
      });
    },

    stats: () => ({ armed: entries.size }),
  };
}
