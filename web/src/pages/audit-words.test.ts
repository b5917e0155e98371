import { describe, expect, it } from 'vitest';
import { detailWords, fromLocalInput, toLocalInput } from './audit-words.ts';

describe('audit words', () => {
  it('puts a detail in a few words, leaving the name to the target column', () => {
    expect(detailWords({ name: 'billing', version: 3 })).toBe('v3');
    expect(detailWords({ name: 'b2', type: 'httpBearer', fields: ['token'], previousName: 'b1' })).toBe('type: httpBearer · fields: token · was “b1”');
    expect(detailWords({ fields: [] })).toBe('name only');
    expect(detailWords({ reason: 'rate_limited' })).toBe('rate limited');
    expect(detailWords({ bulk: { id: 'aud_x', size: 3 } })).toBe('one of 3 in a bulk change');
    expect(detailWords({})).toBe('');
  });

  it('turns datetime-local values into UTC ISO times and back, in the zone of the process', () => {
    const iso = '2026-03-29T01:30:00.000Z';
    const local = toLocalInput(iso);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(fromLocalInput(local)).toBe(iso);
    expect(toLocalInput('')).toBe('');
    expect(toLocalInput('not a time')).toBe('');
    expect(fromLocalInput('')).toBe('');
  });
});
