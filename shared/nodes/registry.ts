/** The one list of node types. Adding a node = one file + one line here. */
import { AppError } from '../errors.ts';
import type { AnyNodeDefinition } from './define.ts';
import { webhookTrigger } from './trigger-webhook.ts';
import { scheduleTrigger } from './trigger-schedule.ts';
import { pollTrigger } from './trigger-poll.ts';
import { manualTrigger } from './trigger-manual.ts';
import { errorTrigger } from './trigger-error.ts';
import { httpAction } from './action-http.ts';
import { emailAction } from './action-email.ts';
import { ifNode } from './logic-if.ts';
import { filterNode } from './logic-filter.ts';
import { switchNode } from './logic-switch.ts';
import { transformNode } from './data-transform.ts';
import { delayNode } from './flow-delay.ts';
import { respondNode } from './action-respond.ts';
import { forEachNode } from './flow-foreach.ts';
import { callNode } from './flow-call.ts';

/**
 * Listed as a tuple so each definition keeps its literal `type` (that is where `NodeType` comes
 * from); `satisfies` checks every entry is a whole definition without widening the tuple away.
 */
const registered = [
  webhookTrigger,
  scheduleTrigger,
  pollTrigger,
  manualTrigger,
  errorTrigger,
  httpAction,
  emailAction,
  respondNode,
  ifNode,
  filterNode,
  switchNode,
  transformNode,
  delayNode,
  forEachNode,
  callNode,
] as const satisfies readonly AnyNodeDefinition[];

/** Every registered node type id, e.g. `'logic.if'`. */
export type NodeType = (typeof registered)[number]['type'];
/** Node types that start a workflow, and those that are steps in one. */
export type TriggerType = Extract<(typeof registered)[number], { kind: 'trigger' }>['type'];
export type StepType = Exclude<NodeType, TriggerType>;

/** A registered definition, its config widened (one plain assignment: each entry already fits). */
export type RegisteredNodeDefinition = AnyNodeDefinition<NodeType>;

export const nodeDefinitions: readonly RegisteredNodeDefinition[] = registered;

const byType = new Map<string, RegisteredNodeDefinition>(nodeDefinitions.map((d) => [d.type, d]));
if (byType.size !== nodeDefinitions.length) throw new Error('duplicate node type in registry');

/** Narrows a string from a workflow document (any text) to a registered type id. */
export const isNodeType = (type: string): type is NodeType => byType.has(type);

export const getNodeDefinition = (type: string): RegisteredNodeDefinition | undefined => byType.get(type);

export function requireNodeDefinition(type: string): RegisteredNodeDefinition {
  const def = byType.get(type);
  if (!def) throw new AppError('UNKNOWN_NODE_TYPE', `Unknown node type "${type}"`);
  return def;
}

export const isTriggerType = (type: string): boolean => byType.get(type)?.kind === 'trigger';

/** A workflow's trigger node (the first node of a trigger type; validation allows one). */
export const findTrigger = <N extends { type: string }>(nodes: readonly N[]): N | undefined => nodes.find((n) => isTriggerType(n.type));
