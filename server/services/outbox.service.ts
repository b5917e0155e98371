/** The outbox as the API shows it: captured mail, newest first, paged by id. */
import type { OutboxMail } from '#shared/api/credentials.ts';
import type { OutboxRepo, OutboxRow } from '../db/repos/outbox.repo.ts';
import { iso } from '../lib/clock.ts';

const list = (json: string): string[] => JSON.parse(json) as string[];

export function toOutboxMail(row: OutboxRow): OutboxMail {
  return {
    id: row.id,
    from: row.from_addr,
    to: list(row.to_addrs),
    cc: list(row.cc_addrs),
    bcc: list(row.bcc_addrs),
    replyTo: row.reply_to,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    messageId: row.message_id,
    createdAt: iso(row.created_at)!,
  };
}

export function createOutboxService(deps: { repo: Pick<OutboxRepo, 'list'> }) {
  return {
    async list(q: { limit: number; cursor?: string }): Promise<{ items: OutboxMail[]; nextCursor: string | null }> {
      const rows = await deps.repo.list({ limit: q.limit + 1, ...(q.cursor ? { before: q.cursor } : {}) });
      const page = rows.slice(0, q.limit);
      return { items: page.map(toOutboxMail), nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null };
    },
  };
}
export type OutboxService = ReturnType<typeof createOutboxService>;
