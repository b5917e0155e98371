/**
 * Which panels a step of an execution shows, from what the step recorded. An HTTP request shows the
 * request it sent beside the response it got (both also kept in an HTTP_STATUS error's details), an
 * email the message it sent beside the mail server's answer, a trigger the event it received, and
 * anything else its input and output.
 */
import type { Step } from '#shared/execution.ts';

export type Panel = { label: string; value: unknown; headline?: string; empty?: string };

const record = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

function without(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}

const NO_OUTPUT = 'No output: the step failed (the error is above).';

export function panelsFor(step: Step, type: string | undefined, kind: string | undefined): Panel[] {
  const input: Panel = { label: 'Input', value: step.input, empty: 'No input.' };
  const output = record(step.output);
  if (kind === 'trigger') return [{ label: 'Trigger event', value: step.output }];
  if (step.status === 'waiting') return [input, { label: 'Output', value: undefined, empty: 'Not yet: the step is waiting.' }];

  if (type === 'action.http') {
    // Sent and got: from the output on success, from the error's details on an HTTP status failure.
    const details = record(step.error?.details);
    const request = record(output?.request ?? details?.request);
    if (request) {
      const response = output ? without(output, 'request') : details ? { status: details.status, body: details.body } : undefined;
      const status = record(response)?.status;
      return [
        input,
        { label: 'Request sent', value: request, headline: `${String(request.method ?? '')} ${String(request.url ?? '')}`.trim() },
        { label: 'Response', value: response, headline: status !== undefined ? `HTTP ${String(status)}` : undefined, empty: 'No response.' },
      ];
    }
  }
  if (type === 'action.email' && output && record(output.message)) {
    const message = record(output.message)!;
    const to = Array.isArray(message.to) ? message.to.join(', ') : message.to;
    return [
      input,
      { label: 'Message sent', value: message, headline: [to ? `To ${String(to)}` : '', message.subject ? `“${String(message.subject)}”` : ''].filter(Boolean).join(' · ') || undefined },
      { label: 'Result', value: without(output, 'message') },
    ];
  }
  return [input, { label: 'Output', value: step.output, empty: step.status === 'error' ? NO_OUTPUT : 'No output.' }];
}
