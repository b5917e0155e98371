/** The executions list's one-line trigger summary: per event shape, short, and never a secret. */
import { describe, expect, it } from 'vitest';
import { SUMMARY_MAX, triggerSummary } from './trigger-summary.ts';

const webhook = (body: unknown) => ({ method: 'POST', path: '/hooks/x', headers: { authorization: 'Bearer sk_live_123456' }, query: {}, body, receivedAt: '2026-12-01T10:00:00.000Z' });

describe('triggerSummary', () => {
  it('names a webhook body’s first three fields, and says when there are more', () => {
    expect(triggerSummary(webhook({ email: 'a@b.co', plan: 'pro' }))).toBe('email: a@b.co · plan: pro');
    expect(triggerSummary(webhook({ email: 'a@b.co', plan: 'pro', seats: 3, ok: true }))).toBe('email: a@b.co · plan: pro · seats: 3 · …');
  });

  it('shows nested values by their shape, not their content, and never the headers', () => {
    const s = triggerSummary(webhook({ user: { id: 1 }, tags: ['a', 'b'], note: null }));
    expect(s).toBe('user: {…} · tags: [2 items] · note: null');
    expect(triggerSummary(webhook({ a: 1 }))).not.toContain('sk_live');
  });

  it('masks fields named like secrets and scrubs known secret values', () => {
    const s = triggerSummary(webhook({ password: 'hunter2!', api_key: 'k-123', name: 'Ann' }));
    expect(s).toBe('password: ••• · api_key: ••• · name: Ann');
    expect(triggerSummary(webhook({ note: 'my s3cr3t-value here' }), (t) => t.replaceAll('s3cr3t-value', '[redacted]'))).toBe('note: my [redacted] here');
  });

  it('cuts at SUMMARY_MAX with an ellipsis, and long values earlier', () => {
    const s = triggerSummary(webhook({ a: 'x'.repeat(100), b: 'y'.repeat(100), c: 'z'.repeat(100) }))!;
    expect(s.length).toBeLessThanOrEqual(SUMMARY_MAX);
    expect(s.endsWith('…')).toBe(true);
    expect(s.startsWith(`a: ${'x'.repeat(31)}…`)).toBe(true);
  });

  it('summarises a non-object or empty body', () => {
    expect(triggerSummary(webhook('plain text'))).toBe('plain text');
    expect(triggerSummary(webhook({}))).toBe('POST with an empty body');
    expect(triggerSummary(webhook(null))).toBe('POST with an empty body');
  });

  it('gives a schedule its slot, a poll its item’s fields, a manual run its payload’s', () => {
    expect(triggerSummary({ scheduledAt: '2026-12-01T17:00:00.000Z', firedAt: '2026-12-01T17:00:00.120Z' })).toBe('scheduled for 2026-12-01 17:00 UTC');
    expect(triggerSummary({ scheduledAt: '2026-12-01T17:00:30.000Z', firedAt: '2026-12-01T17:00:30.120Z' })).toBe('scheduled for 2026-12-01 17:00:30 UTC');
    expect(triggerSummary({ item: { id: 42, title: 'New post' }, polledAt: '2026-12-01T17:00:00.000Z' })).toBe('id: 42 · title: New post');
    expect(triggerSummary({ orderId: 'o-1', total: 9.5 })).toBe('orderId: o-1 · total: 9.5');
  });

  it('is null when there is nothing to say', () => {
    expect(triggerSummary({})).toBeNull();
    expect(triggerSummary(null)).toBeNull();
    expect(triggerSummary(undefined)).toBeNull();
  });

  it('turns control characters (a NUL PostgreSQL text refuses) into spaces and never cuts an emoji in half', () => {
    expect(triggerSummary({ method: 'POST', headers: {}, body: '\t\u00a1\u000f\u0000x' })).toBe('¡ x');
    const long = `${'a'.repeat(30)}😀😀`; // the value cut (32) falls inside the first emoji
    const shown = triggerSummary({ method: 'POST', headers: {}, body: { k: long } })!;
    expect(shown).toBe(`k: ${'a'.repeat(30)}…`);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(shown)).toBe(false);
  });
});
