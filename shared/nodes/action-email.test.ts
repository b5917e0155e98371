/** action.email with a fake mail port: what reaches the port, and what the step outputs (the result and the message sent). */
import { describe, expect, it } from 'vitest';
import { emailAction } from './action-email.ts';
import { makeCtx } from './fake-run-context.ts';

describe('action.email', () => {
  it('passes address fields through whole (the port parses lists), and the result as output', async () => {
    const ctx = makeCtx(emailAction.config.parse({ to: '"Doe, Jane" <jane@example.com>', cc: ['a@example.com', ' '], subject: 'Hi', text: 't', credentialId: '' }));
    const result = await emailAction.run(ctx);
    const sent = ctx.calls.filter((c) => c.port === 'mail');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.message).toMatchObject({ to: ['"Doe, Jane" <jane@example.com>'], cc: ['a@example.com'], subject: 'Hi', text: 't' });
    expect(sent[0]!.credentialId).toBeUndefined();
    expect(result).toEqual({
      kind: 'ok',
      output: {
        messageId: '<fake@switchyard>',
        accepted: ['"Doe, Jane" <jane@example.com>'],
        rejected: [],
        // What was sent, as the execution view shows it; unset fields left out.
        message: { to: ['"Doe, Jane" <jane@example.com>'], cc: ['a@example.com'], subject: 'Hi', text: 't' },
      },
    });
  });

  it('requires a recipient', () => {
    expect(emailAction.config.safeParse({ to: ' ' }).success).toBe(false);
    expect(emailAction.config.safeParse({ to: [] }).success).toBe(false);
  });
});
