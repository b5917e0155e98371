/** Execution ids sort by creation, within one millisecond too (a concurrency group's line is in id order). */
import { describe, expect, it } from 'vitest';
import { newId } from './ids.ts';

describe('newId', () => {
  it('sorts in the order ids were made, also within one millisecond', () => {
    const made = Array.from({ length: 500 }, (_, i) => newId('ex', 1_000_000 + Math.floor(i / 100)));
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
    expect(made[0]).toMatch(/^ex_[0-9a-z]{21}$/);
  });
});
