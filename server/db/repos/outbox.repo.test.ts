/** The outbox table: one row per Message-ID, newest first, trimmed to a size. */
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../sqlite/connection.ts';
import { newId } from '../../lib/ids.ts';
import { createOutboxRepo, type OutboxRow } from './outbox.repo.ts';

const db = openDatabase(':memory:');
afterAll(() => db.close());
const repo = createOutboxRepo(db.kysely);

const row = (n: number, messageId: string | null): OutboxRow => ({
  id: newId('mail', 1_700_000_000_000 + n),
  from_addr: null,
  to_addrs: '["a@example.com"]',
  cc_addrs: '[]',
  bcc_addrs: '[]',
  reply_to: null,
  subject: `s${n}`,
  text_body: null,
  html_body: null,
  message_id: messageId,
  created_at: n,
});

describe('outbox repo', () => {
  it('captures once per Message-ID, lists newest first, trims the oldest', async () => {
    const first = await repo.capture(row(1, '<a@x>'));
    expect((await repo.capture(row(2, '<a@x>'))).id).toBe(first.id);
    for (let n = 3; n <= 6; n++) await repo.capture(row(n, null));
    expect((await repo.list({ limit: 10 })).map((r) => r.subject)).toEqual(['s6', 's5', 's4', 's3', 's1']);
    expect(await repo.trim(2)).toBe(3);
    expect((await repo.list({ limit: 10 })).map((r) => r.subject)).toEqual(['s6', 's5']);
  });
});
