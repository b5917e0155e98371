/**
 * Running one node's own code: resolve its config's expressions, check it, call `run` through the
 * ports, and retry by the node's policy. What the result then means (a plain step, a park, a loop,
 * a call) is the business of the node kinds (kinds/).
 */
import { ZodError } from 'zod';
import { NodeFailure, RetryableError } from '#shared/errors.ts';
import { resolveTemplates } from '#shared/expressions/template.ts';
import { fromZodIssues } from '#shared/issues.ts';
import type { NodeResult } from '#shared/nodes/define.ts';
import { buildRunContext } from './node-context.ts';
import { nextDelay } from './retry.ts';
import { stepRow, stepsView, type Outcome, type Run, type Scope } from './run.ts';
import type { CompiledNode } from './snapshots.ts';
import { encodeValue, toStepError } from './step-codec.ts';
import { lazyChild } from './lazy-logger.ts';

export type Attempted = { result: NodeResult; config: Record<string, unknown>; attempts: number; startedAt: number };

const NO_VARS: Readonly<Record<string, string>> = Object.freeze({});

/** The data a scope's expressions are evaluated over. */
export function expressionData(run: Run, scope: Scope, input: unknown): Record<string, unknown> {
  const data: Record<string, unknown> = {
    trigger: run.trigger,
    steps: stepsView(scope),
    input,
    execution: { id: run.executionId },
    workflow: { id: run.wf.id, name: run.wf.name },
    now: new Date(run.deps.clock.now()).toISOString(),
    vars: run.deps.vars?.() ?? NO_VARS,
  };
  if (scope.loop) Object.assign(data, scope.loop);
  return data;
}

/** Runs the node's code with its retry policy: its result, or the step it failed with. */
export async function attempt(run: Run, scope: Scope, cn: CompiledNode, input: unknown): Promise<Attempted | Outcome> {
  const { node, def } = cn;
  const policy = { attempts: node.retry?.attempts ?? 1, delayMs: node.retry?.delayMs ?? 1000 };
  const startedAt = run.deps.clock.now();
  let attempts = 0;
  for (;;) {
    attempts++;
    const stepLog = lazyChild(run.log, scope.key ? { nodeId: node.id, iteration: scope.key, attempt: attempts } : { nodeId: node.id, attempt: attempts });
    try {
      if (!def || def.kind !== 'action') throw new NodeFailure(`Unknown node type "${node.type}"`, { code: 'UNKNOWN_NODE_TYPE' });
      const data = expressionData(run, scope, input);
      const evaluate = (expression: string, d?: unknown) => run.deps.expressions.evaluate(expression, d === undefined ? data : d);
      const resolved = await resolveTemplates(node.config, (e) => evaluate(e), 'config');
      const parsed = def.config.safeParse(resolved);
      if (!parsed.success) {
        throw new NodeFailure('invalid config after expressions were resolved', { code: 'CONFIG_INVALID', details: fromZodIssues(parsed.error.issues, ['config']) });
      }
      const ctx = buildRunContext(
        parsed.data,
        {
          executionId: run.executionId,
          workflowId: run.wf.id,
          nodeId: node.id,
          iteration: scope.key,
          attempt: attempts,
          input,
          trigger: run.trigger,
          evaluate,
          signal: run.signal,
          now: () => new Date(run.deps.clock.now()),
          log: stepLog,
        },
        run.deps.ports,
      );
      const result = await def.run(ctx);
      stepLog.debug('step finished', { kind: result.kind });
      return { result, config: parsed.data as Record<string, unknown>, attempts, startedAt };
    } catch (err) {
      const retryable = !(err instanceof NodeFailure) && !(err instanceof ZodError);
      if (retryable && attempts < policy.attempts && !run.signal.aborted) {
        const retryAfter = err instanceof RetryableError ? err.retryAfterMs : undefined;
        const delay = nextDelay(attempts, policy, retryAfter);
        stepLog.warn('step failed, retrying', { delayMs: delay, error: toStepError(err) });
        await run.sleep(delay, run.signal);
        continue;
      }
      stepLog.info('step failed', { error: toStepError(err) });
      return failed(run, scope, cn, err, attempts, startedAt);
    }
  }
}

/** A failed step: with `onError: continue` the error is the output and the run goes on, else the branch ends. */
export function failed(run: Run, scope: Scope, cn: CompiledNode, err: unknown, attempts: number, startedAt: number): Outcome {
  const error = toStepError(err);
  const row = stepRow(run, scope, cn.node.id, 'error', { attempts, error: JSON.stringify(error), started_at: startedAt, finished_at: run.deps.clock.now() });
  if ((cn.node.onError ?? 'stop') === 'continue') {
    row.output = JSON.stringify({ error });
    return { row, value: { error } };
  }
  row.handle = '';
  return { row, value: null };
}

/** A step that succeeded (or parked, for `wait`), its output stored within the size cap. */
export function succeeded(run: Run, scope: Scope, nodeId: string, attempts: number, startedAt: number, result: NodeResult): Outcome {
  const { json, truncated } = encodeValue(result.output, run.maxBytes);
  const row = stepRow(run, scope, nodeId, 'success', {
    attempts,
    output: json,
    truncated: truncated ? 1 : 0,
    started_at: startedAt,
    finished_at: run.deps.clock.now(),
  });
  if (result.kind === 'route') row.handle = result.handle;
  if (result.kind === 'stop') row.handle = ''; // matches no edge: the branch ends here
  if (result.kind === 'wait') {
    row.status = 'waiting';
    row.resume_at = result.until.getTime();
    row.finished_at = null;
  }
  return { row, value: result.output };
}
