/**
 * Runs one scope (the execution, or one loop iteration) as far as it can go: every node whose
 * inputs are all done runs (independent branches at once), is recorded, and makes the next ready,
 * until nothing is left to run, the scope fails, parks, or the run stops.
 */
import type { StepError } from '#shared/execution.ts';
import { isEdgeActive } from './edges.ts';
import { execute } from './kinds/index.ts';
import { claimAnswer, settleAnswer } from './kinds/respond.ts';
import { isDone, stepKey, stepRow, type Failure, type Run, type Scope } from './run.ts';
import type { CompiledNode } from './snapshots.ts';
import { encodeValue } from './step-codec.ts';

export type ScopeEnd = {
  failure?: Failure;
  /** A step is parked (a delay, a call, a loop whose items are): the scope goes on at a later advance. */
  parked?: boolean;
  interrupted?: boolean;
};

export async function runScope(run: Run, scope: Scope): Promise<ScopeEnd> {
  const running = new Map<string, Promise<void>>();
  let failure = failureFound(run, scope);
  for (;;) {
    if (run.stopped()) {
      // Whatever finished is recorded; the rest resumes from the step log at the next start.
      await Promise.allSettled(running.values());
      return { interrupted: true };
    }
    // Skipping a node can make the next one ready at once: go round until nothing changes.
    let changed = true;
    while (!failure && changed) {
      changed = false;
      for (const id of scope.nodes) {
        if (scope.state.has(id) || running.has(id)) continue;
        const cn = run.wf.nodes.get(id)!;
        if (id === run.wf.triggerId || cn.def?.kind === 'trigger') continue;
        if (!cn.incoming.every((e) => isDone(scope.state.get(e.source)))) continue;
        const active = cn.incoming.filter((e) => isEdgeActive(scope.state.get(e.source)!.row, e.sourceHandle));
        const reason = active.length === 0 ? null : claimAnswer(run, cn);
        if (active.length === 0 || reason) {
          const t = run.deps.clock.now();
          const output = reason ? { reason } : null;
          run.record(scope, stepRow(run, scope, id, 'skipped', { started_at: t, finished_at: t, output: output && JSON.stringify(output) }), output);
          changed = true;
          continue;
        }
        const source = scope.state.get(active[0]!.source)!;
        const input = source.value;
        const key = stepKey(scope.key, id);
        run.inFlight.set(key, { nodeId: id, iteration: scope.key, startedAt: run.deps.clock.now() });
        const p = execute(run, scope, cn, input).then((r) => {
          // A loop body's first step keeps the item it was given: it is in no other step's output.
          if (source.virtual) r.row.input = encodeValue(input, run.maxBytes).json;
          running.delete(id);
          run.inFlight.delete(key);
          settleAnswer(run, cn, r.row);
          // Stopping: the node was cut off, not failed. Record nothing, so it runs again on resume.
          if (run.stopped()) return;
          if (r.row.status === 'error' && r.row.handle === '' && !failure) failure = failureOf(cn, scope, r.row.error);
          if (r.unwritten) scope.state.set(id, { row: r.row, value: r.value });
          else run.record(scope, r.row, r.value);
        });
        running.set(id, p);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  let parked = false;
  for (const s of scope.state.values()) {
    if (s.row.status === 'waiting' && s.row.resume_at != null) run.wakes.push(s.row.resume_at);
    if (s.row.status === 'waiting' || s.row.status === 'running') parked = true;
  }
  return failure ? { failure } : { parked };
}

function failureOf(cn: CompiledNode, scope: Scope, error: string | null): Failure {
  const e = (error ? JSON.parse(error) : { code: 'NODE_ERROR', message: 'failed' }) as StepError;
  return { nodeId: cn.node.id, nodeName: cn.node.name ?? cn.def?.title ?? cn.node.id, nodeType: cn.node.type, ...(scope.key ? { iteration: scope.key } : {}), ...e };
}

/** A failed step already in the log (it failed before a crash): the scope has failed. */
function failureFound(run: Run, scope: Scope): Failure | undefined {
  for (const [id, s] of scope.state) {
    if (s.row.status === 'error' && s.row.handle === '') return failureOf(run.wf.nodes.get(id)!, scope, s.row.error);
  }
  return undefined;
}
