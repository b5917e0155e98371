/**
 * Runs one poll of a poll-trigger node: resolves `{{ … }}` in its config, parses it with the node's
 * schema, and calls the definition's `poll(ctx)` with real ports. Shared by the poller and test-poll.
 */
import { AppError, NodeFailure } from '#shared/errors.ts';
import { resolveTemplates } from '#shared/expressions/template.ts';
import { fromZodIssues } from '#shared/issues.ts';
import type { CredentialsPort, HttpPort, PollContext, PollResult, TriggerDefinition } from '#shared/nodes/define.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { WorkflowNode } from '#shared/workflow.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { ExpressionEngine } from './expressions.ts';

export type PollRunnerDeps = {
  http: HttpPort;
  credentials: CredentialsPort;
  expressions: Pick<ExpressionEngine, 'evaluate'>;
  clock: Clock;
  logger: Logger;
  /** Workspace variables, `vars` in the request's templates (the cached map; absent: `{}`). */
  vars?: () => Readonly<Record<string, string>>;
};

export type PollTarget = {
  workflow: { id: string; name: string };
  node: WorkflowNode;
  /** An unsaved config (the editor's test poll); else the node's own. */
  config?: unknown;
};

export type PollConfig = {
  request: { method: string; url: string; query: Record<string, string> };
  intervalSeconds: number;
  items: string;
  key: string;
  fireOnFirstPoll: boolean;
};

type PollDefinition = TriggerDefinition & { poll: NonNullable<TriggerDefinition['poll']> };

export function pollDefinitionOf(node: WorkflowNode): PollDefinition {
  const def = getNodeDefinition(node.type);
  if (!def || def.kind !== 'trigger' || def.activation.kind !== 'poll' || !def.poll) {
    throw new AppError('VALIDATION_FAILED', `node "${node.id}" is not a poll trigger`);
  }
  return def as PollDefinition;
}

const noMail = { send: () => Promise.reject(new NodeFailure('a poll cannot send mail', { code: 'NOT_CONFIGURED' })) };

export function createPollRunner(deps: PollRunnerDeps) {
  /** The node's config with templates resolved and defaults applied; VALIDATION_FAILED with paths when it does not parse. */
  async function prepare(target: PollTarget): Promise<{ def: PollDefinition; config: PollConfig }> {
    const def = pollDefinitionOf(target.node);
    const data = {
      trigger: null,
      steps: {},
      input: null,
      execution: { id: null },
      workflow: target.workflow,
      now: new Date(deps.clock.now()).toISOString(),
      vars: deps.vars?.() ?? {},
    };
    const raw = target.config ?? target.node.config;
    const resolved = await resolveTemplates(raw, (e) => deps.expressions.evaluate(e, data), 'config');
    const parsed = def.config.safeParse(resolved);
    if (!parsed.success) {
      throw new AppError('VALIDATION_FAILED', 'the poll config is invalid', { details: fromZodIssues(parsed.error.issues, ['config']) });
    }
    return { def, config: parsed.data as PollConfig };
  }

  async function run(target: PollTarget, opts: { etag?: string | null; lastModified?: string | null; signal?: AbortSignal } = {}): Promise<PollResult> {
    const { def, config } = await prepare(target);
    const log = deps.logger.child({ workflowId: target.workflow.id, nodeId: target.node.id });
    const ctx: PollContext<unknown> = {
      config,
      nodeId: target.node.id,
      // A poll belongs to no execution yet; the executions it starts get their own ids.
      executionId: '',
      workflowId: target.workflow.id,
      attempt: 1,
      http: deps.http,
      mail: noMail,
      credentials: deps.credentials,
      evaluate: (expression, d) => deps.expressions.evaluate(expression, d ?? null),
      log,
      signal: opts.signal ?? new AbortController().signal,
      now: () => new Date(deps.clock.now()),
      ...(opts.etag ? { etag: opts.etag } : {}),
      ...(opts.lastModified ? { lastModified: opts.lastModified } : {}),
    };
    return def.poll(ctx);
  }

  return { prepare, run };
}
export type PollRunner = ReturnType<typeof createPollRunner>;
