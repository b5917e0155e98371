/**
 * `action.email`: sends one email through SMTP (the node's credential, else SMTP_URL), or captures it in
 * the outbox when neither is configured. The mail port parses and validates every address field.
 */
import { z } from 'zod';
import { defineNode, ok } from './define.ts';

const Addresses = z.union([z.string(), z.array(z.string())]).optional();

export const emailAction = defineNode({
  type: 'action.email',
  title: 'Send Email',
  description: 'Send an email over SMTP',
  category: 'action',
  icon: '✉',
  output: '{ messageId, accepted, rejected, message } (captured: true when it went to the outbox)',
  config: z.object({
    credentialId: z.string().optional(),
    from: z.string().optional(),
    to: z.union([z.string().trim().min(1, 'at least one recipient'), z.array(z.string()).min(1, 'at least one recipient')]),
    cc: Addresses,
    bcc: Addresses,
    replyTo: z.string().optional(),
    subject: z.string().default(''),
    text: z.string().optional(),
    html: z.string().optional(),
  }),
  ui: {
    credentialId: { label: 'SMTP credential', widget: 'credential', credentialTypes: ['smtp'], help: 'Empty: the server default (SMTP_URL) or the outbox' },
    from: { label: 'From', widget: 'expression' },
    to: { label: 'To', widget: 'expression', placeholder: 'someone@example.com' },
    cc: { label: 'Cc', widget: 'expression', advanced: true },
    bcc: { label: 'Bcc', widget: 'expression', advanced: true },
    replyTo: { label: 'Reply-To', widget: 'expression', advanced: true },
    subject: { label: 'Subject', widget: 'expression' },
    text: { label: 'Text body', widget: 'expression', multiline: true },
    html: { label: 'HTML body', widget: 'expression', multiline: true, advanced: true },
  },
  async run({ config, mail, signal }) {
    // Not split on commas here: a display name may hold one ("Doe, Jane" <j@x.example>); the port parses lists.
    const list = (v: string | string[] | undefined) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).filter((s) => s.trim() !== ''));
    const message = {
      from: config.from,
      to: list(config.to) ?? [],
      cc: list(config.cc),
      bcc: list(config.bcc),
      replyTo: config.replyTo,
      subject: config.subject,
      text: config.text,
      html: config.html,
    };
    const result = await mail.send(message, { credentialId: config.credentialId || undefined, signal });
    // The message as sent (templates resolved), for the execution view; unset fields left out.
    return ok({ ...result, message: Object.fromEntries(Object.entries(message).filter(([, v]) => v !== undefined)) });
  },
});
