/** action.email with a fake mail port: what reaches the port, and what the step outputs (the result and the message sent). */
import { describe, expect, it } from 'vitest';
import type { MailMessage, RunContext } from './define.ts';
import { emailAction } from './action-email.ts';

function ctx(config: unknown, sent: { msg: MailMessage; credentialId?: string }[]) {
  return {
    config: emailAction.config.parse(config),
    mail: {
      send: async (msg: MailMessage, o: { credentialId?: string }) => {
        sent.push({ msg, credentialId: o.credentialId });
        return { messageId: '<m@x>', accepted: msg.to, rejected: [] };
      },
    },
    signal: new AbortController().signal,
  } as unknown as RunContext<ReturnType<typeof emailAction.config.parse>>;
}

describe('action.email', () => {
  it('passes address fields through whole (the port parses lists), and the result as output', async () => {
    const sent: { msg: MailMessage; credentialId?: string }[] = [];
    const result = await emailAction.run(ctx({ to: '"Doe, Jane" <jane@example.com>', cc: ['a@example.com', ' '], subject: 'Hi', text: 't', credentialId: '' }, sent));
    expect(sent[0]!.msg).toMatchObject({ to: ['"Doe, Jane" <jane@example.com>'], cc: ['a@example.com'], subject: 'Hi', text: 't' });
    expect(sent[0]!.credentialId).toBeUndefined();
    expect(result).toEqual({
      kind: 'ok',
      output: {
        messageId: '<m@x>',
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
