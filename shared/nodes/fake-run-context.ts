/**
 * A fake `RunContext` for node tests: every port answers with a fixed, plausible value and records
 * what it was asked, so a test can see exactly how a node touched the world. Test support only.
 */
import type { HttpRequest, HttpResponse, MailMessage, MailResult, NodeLogger, RunContext } from './define.ts';

export type PortCall =
  | { port: 'http'; request: HttpRequest }
  | { port: 'mail'; message: MailMessage; credentialId?: string }
  | { port: 'credentials'; credentialId: string }
  | { port: 'evaluate'; expression: string; data: unknown }
  | { port: 'log'; level: keyof NodeLogger; msg: string }
  | { port: 'now' };

export type FakeAnswers = {
  /** What every `evaluate` call returns (or a function of the expression). */
  evaluate?: unknown | ((expression: string, data: unknown) => unknown);
  http?: Partial<HttpResponse>;
  credentialHeaders?: Record<string, string>;
};

export const FAKE_NOW = new Date('2026-01-02T03:04:05.000Z');

export type FakeRunContext<Cfg> = RunContext<Cfg> & { calls: PortCall[] };

export function makeCtx<Cfg>(config: Cfg, answers: FakeAnswers = {}, input: unknown = { hello: 'world' }): FakeRunContext<Cfg> {
  const calls: PortCall[] = [];
  const logAt = (level: keyof NodeLogger) => (msg: string) => void calls.push({ port: 'log', level, msg });
  return {
    calls,
    config,
    input,
    trigger: input,
    nodeId: 'n1',
    executionId: 'exec-1',
    workflowId: 'wf-1',
    attempt: 1,
    http: {
      async request(request) {
        calls.push({ port: 'http', request });
        return { status: 200, headers: { 'content-type': 'application/json' }, body: { ok: true }, durationMs: 1, ...answers.http };
      },
    },
    mail: {
      async send(message, options): Promise<MailResult> {
        calls.push({ port: 'mail', message, credentialId: options.credentialId });
        return { messageId: '<fake@switchyard>', accepted: message.to, rejected: [] };
      },
    },
    credentials: {
      async headersFor(credentialId) {
        calls.push({ port: 'credentials', credentialId });
        return answers.credentialHeaders ?? { Authorization: 'Bearer fake' };
      },
    },
    async evaluate(expression, data) {
      calls.push({ port: 'evaluate', expression, data });
      const a = answers.evaluate;
      return typeof a === 'function' ? (a as (e: string, d: unknown) => unknown)(expression, data) : a;
    },
    log: { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    signal: new AbortController().signal,
    now: () => {
      calls.push({ port: 'now' });
      return new Date(FAKE_NOW);
    },
  };
}
