/**
 * action.respond: the first Respond node reached answers the held webhook request (the web
 * process sends it once the step is written); any later one is skipped with the reason. A Respond
 * step that failed answered nothing, so the next one reached may still answer.
 */
import { RESPOND_TYPE } from '#shared/nodes/action-respond.ts';
import type { StepRow } from '../../db/store.ts';
import type { Run } from '../run.ts';
import type { CompiledNode } from '../snapshots.ts';

export const isRespond = (cn: CompiledNode | undefined): boolean => cn?.node.type === RESPOND_TYPE;

/** Before a node runs: why it must be skipped (another Respond answered), else undefined. */
export function claimAnswer(run: Run, cn: CompiledNode): string | undefined {
  if (!isRespond(cn)) return undefined;
  if (run.responder) return `the request was already answered by "${run.responder}"`;
  run.responder = cn.node.id;
  return undefined;
}

/** After it ran: a Respond step that did not succeed gives the answer back. */
export function settleAnswer(run: Run, cn: CompiledNode, row: StepRow): void {
  if (run.responder === cn.node.id && row.status !== 'success') run.responder = undefined;
}
