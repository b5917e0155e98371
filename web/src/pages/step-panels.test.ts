/** A step's panels on the execution page: what each kind of node shows beside what. */
import { describe, expect, it } from 'vitest';
import type { Step } from '#shared/execution.ts';
import { panelsFor } from './step-panels.ts';

const step = (over: Partial<Step>): Step => ({
  nodeId: 'n', status: 'success', attempts: 1, input: { a: 1 }, output: null, error: null, startedAt: null, finishedAt: null, ...over,
});
const labels = (ps: { label: string }[]) => ps.map((p) => p.label);
const request = { method: 'POST', url: 'https://api.example/leads/pro', headers: { authorization: '[redacted]' }, body: { email: 'a@b.co' } };

describe('panelsFor', () => {
  it('an HTTP step: input, the request as sent (method and resolved URL up front), the response without the request', () => {
    const ps = panelsFor(step({ output: { status: 201, headers: {}, body: { id: 7 }, durationMs: 12, request } }), 'action.http', 'action');
    expect(labels(ps)).toEqual(['Input', 'Request sent', 'Response']);
    expect(ps[1]).toMatchObject({ value: request, headline: 'POST https://api.example/leads/pro' });
    expect(ps[2]).toMatchObject({ value: { status: 201, headers: {}, body: { id: 7 }, durationMs: 12 }, headline: 'HTTP 201' });
  });

  it('a failed HTTP step: request and response from the HTTP_STATUS error’s details', () => {
    const ps = panelsFor(step({ status: 'error', error: { code: 'HTTP_STATUS', message: 'HTTP 500', details: { status: 500, body: 'down', request } } }), 'action.http', 'action');
    expect(labels(ps)).toEqual(['Input', 'Request sent', 'Response']);
    expect(ps[2]).toMatchObject({ value: { status: 500, body: 'down' }, headline: 'HTTP 500' });
  });

  it('an HTTP step that failed before sending: input, and no output, saying why', () => {
    const ps = panelsFor(step({ status: 'error', error: { code: 'TIMEOUT', message: 'timed out' } }), 'action.http', 'action');
    expect(labels(ps)).toEqual(['Input', 'Output']);
    expect(ps[1]!.empty).toMatch(/failed/);
  });

  it('an email step: the message sent (to and subject up front) beside the mail server’s answer', () => {
    const message = { from: 'me@x.example', to: ['a@b.co', 'c@d.co'], subject: 'Welcome', text: 'Hi' };
    const ps = panelsFor(step({ output: { messageId: '<m1>', accepted: ['a@b.co'], rejected: [], message } }), 'action.email', 'action');
    expect(labels(ps)).toEqual(['Input', 'Message sent', 'Result']);
    expect(ps[1]).toMatchObject({ value: message, headline: 'To a@b.co, c@d.co · “Welcome”' });
    expect(ps[2]!.value).toEqual({ messageId: '<m1>', accepted: ['a@b.co'], rejected: [] });
  });

  it('a trigger shows its event; anything else its input and output', () => {
    expect(labels(panelsFor(step({ output: { body: {} } }), 'trigger.webhook', 'trigger'))).toEqual(['Trigger event']);
    expect(panelsFor(step({ output: { b: 2 } }), 'data.transform', 'action')).toEqual([
      { label: 'Input', value: { a: 1 }, empty: 'No input.' },
      { label: 'Output', value: { b: 2 }, empty: 'No output.' },
    ]);
  });
});
