/** Builds the RunContext for one step: ports bound to this execution, a child logger, the abort signal. */
import type { CredentialsPort, HttpPort, MailPort, RunContext } from '#shared/nodes/define.ts';
import type { Logger } from '../lib/logger.ts';

export type Ports = { http: HttpPort; mail: MailPort; credentials: CredentialsPort };

export type StepScope = {
  executionId: string;
  workflowId: string;
  nodeId: string;
  /** The loop iteration ('' outside loops): part of the idempotency key, so each item's request is its own. */
  iteration?: string;
  attempt: number;
  input: unknown;
  trigger: unknown;
  evaluate(expression: string, data?: unknown): Promise<unknown>;
  signal: AbortSignal;
  now: () => Date;
  log: Logger;
};

/** The key that lets a receiver drop a step re-run after a crash (SPEC "Running"). */
export const idempotencyKey = (executionId: string, nodeId: string, iteration = ''): string =>
  iteration ? `${executionId}.${nodeId}.${iteration}` : `${executionId}.${nodeId}`;

export function buildRunContext<Cfg>(config: Cfg, scope: StepScope, ports: Ports): RunContext<Cfg> {
  const key = idempotencyKey(scope.executionId, scope.nodeId, scope.iteration);
  return {
    config,
    input: scope.input,
    trigger: scope.trigger,
    nodeId: scope.nodeId,
    executionId: scope.executionId,
    workflowId: scope.workflowId,
    attempt: scope.attempt,
    evaluate: scope.evaluate,
    signal: scope.signal,
    now: scope.now,
    log: scope.log,
    credentials: ports.credentials,
    http: {
      // A user-set Idempotency-Key header wins; otherwise every outbound request carries ours.
      request: (req) => {
        const headers = req.headers ?? {};
        const hasKey = Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key');
        return ports.http.request({ ...req, headers: hasKey ? headers : { 'Idempotency-Key': key, ...headers } });
      },
    },
    mail: {
      send: (msg, opts) => ports.mail.send({ ...msg, messageId: msg.messageId ?? `<${key}@switchyard>` }, opts),
    },
  };
}
