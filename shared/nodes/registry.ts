/** The one list of node types. Adding a node = one file + one line here. */
import { AppError } from '../errors.ts';
import type { AnyNodeDefinition } from './define.ts';
import { webhookTrigger } from './trigger-webhook.ts';
import { scheduleTrigger } from './trigger-schedule.ts';
import { pollTrigger } from './trigger-poll.ts';
import { manualTrigger } from './trigger-manual.ts';
import { httpAction } from './action-http.ts';
import { emailAction } from './action-email.ts';
import { ifNode } from './logic-if.ts';
import { filterNode } from './logic-filter.ts';
import { switchNode } from './logic-switch.ts';
import { transformNode } from './data-transform.ts';
import { delayNode } from './flow-delay.ts';
import { respondNode } from './action-respond.ts';

export const nodeDefinitions: readonly AnyNodeDefinition[] = [
  webhookTrigger,
  scheduleTrigger,
  pollTrigger,
  manualTrigger,
  httpAction,
  emailAction,
  respondNode,
  ifNode,
  filterNode,
  switchNode,
  transformNode,
  delayNode,
] as unknown as readonly AnyNodeDefinition[];

const byType = new Map<string, AnyNodeDefinition>(nodeDefinitions.map((d) => [d.type, d]));
if (byType.size !== nodeDefinitions.length) throw new Error('duplicate node type in registry');

export const getNodeDefinition = (type: string): AnyNodeDefinition | undefined => byType.get(type);

export function requireNodeDefinition(type: string): AnyNodeDefinition {
  const def = byType.get(type);
  if (!def) throw new AppError('UNKNOWN_NODE_TYPE', `Unknown node type "${type}"`);
  return def;
}

export const isTriggerType = (type: string): boolean => byType.get(type)?.kind === 'trigger';
