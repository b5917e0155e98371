/**
 * Node kinds: what a node's result means to the engine, one small executor each behind one
 * interface. `run` gave a plain output (ok, route, stop), a park (wait: flow.delay), a loop
 * (flow.forEach) or a call (flow.call); Respond's first-wins rule is checked before running
 * (respond.ts).
 */
import type { NodeResult } from '#shared/nodes/define.ts';
import type { Outcome, Run, Scope } from '../run.ts';
import type { CompiledNode } from '../snapshots.ts';
import { attempt, succeeded, type Attempted } from '../step-runner.ts';
import { runCall } from './call.ts';
import { runLoop } from './loop.ts';

export type NodeKind<K extends NodeResult['kind']> = (
  run: Run,
  scope: Scope,
  cn: CompiledNode,
  attempted: Attempted & { result: Extract<NodeResult, { kind: K }> },
) => Promise<Outcome>;

const plain: NodeKind<'ok' | 'route' | 'stop' | 'wait'> = async (run, scope, cn, a) => succeeded(run, scope, cn.node.id, a.attempts, a.startedAt, a.result);

/** Runs a ready node in its scope; always resolves to the step to record (failures included). */
export async function execute(run: Run, scope: Scope, cn: CompiledNode, input: unknown): Promise<Outcome> {
  const a = await attempt(run, scope, cn, input);
  if ('row' in a) return a;
  const { result } = a;
  switch (result.kind) {
    case 'loop':
      return runLoop(run, scope, cn, { ...a, result });
    case 'call':
      return runCall(run, scope, cn, { ...a, result });
    default:
      return plain(run, scope, cn, { ...a, result });
  }
}
