/** Concurrency groups from a key over the event (the real sandbox), and the in-process queue's slots. */
import { afterAll, describe, expect, it } from 'vitest';
import { concurrencyGroup, createSlots } from './concurrency.ts';
import { createExpressionEngine } from './expressions.ts';

const engine = createExpressionEngine();
afterAll(() => engine.close());
const group = (key: string | undefined, event: unknown) => concurrencyGroup('wf_1', { limit: 3, ...(key ? { key } : {}) }, event, engine.evaluate);

describe('concurrencyGroup', () => {
  it('is the workflow without a key, the key’s value with one, nothing without a limit', async () => {
    expect(await concurrencyGroup('wf_1', undefined, {}, engine.evaluate)).toBeUndefined();
    expect(await group(undefined, { body: { customer: 'acme' } })).toEqual({ key: 'wf_1', limit: 3 });
    expect(await group('$.body.customer', { body: { customer: 'acme' } })).toEqual({ key: 'wf_1:acme', limit: 3 });
    expect(await group('$.body.n', { body: { n: 7 } })).toEqual({ key: 'wf_1:7', limit: 3 });
    expect(await group('$.body.who', { body: { who: { a: 1 } } })).toEqual({ key: 'wf_1:{"a":1}', limit: 3 });
  });

  it('puts a key that fails or gives nothing in the default group, and hashes a long value', async () => {
    for (const event of [{ body: {} }, { body: { customer: null } }, { body: { customer: '' } }]) {
      expect(await group('$.body.customer', event)).toEqual({ key: 'wf_1:', limit: 3 });
    }
    expect(await group('$error("boom")', { body: {} })).toEqual({ key: 'wf_1:', limit: 3 });
    const long = await group('$.body.text', { body: { text: 'x'.repeat(500) } });
    expect(long?.key).toMatch(/^wf_1:sha256:[0-9a-f]{64}$/);
    expect((await group('$.body.text', { body: { text: 'x'.repeat(500) } }))?.key).toBe(long?.key);
  });
});

describe('slots', () => {
  const g = { key: 'wf_1', limit: 2 };

  it('gives at most `limit` slots, queues the rest in id order, and hands a freed slot to the oldest', () => {
    const slots = createSlots();
    expect(slots.enter('ex_02', g)).toEqual(['ex_02']);
    expect(slots.enter('ex_03', g)).toEqual(['ex_03']);
    expect(slots.enter('ex_05', g)).toEqual([]);
    // An older execution coming back (woken from a delay) goes ahead of younger ones.
    expect(slots.enter('ex_01', g)).toEqual([]);
    expect(slots.enter('ex_01', g)).toEqual([]); // already waiting: not twice in line
    expect(slots.waiting()).toBe(2);
    expect(slots.leave('wf_1')).toEqual(['ex_01']);
    expect(slots.leave('wf_1')).toEqual(['ex_05']);
    expect(slots.waiting()).toBe(0);
    expect(slots.leave('wf_1')).toEqual([]);
  });

  it('keeps groups apart', () => {
    const slots = createSlots();
    expect(slots.enter('ex_1', { key: 'a', limit: 1 })).toEqual(['ex_1']);
    expect(slots.enter('ex_2', { key: 'a', limit: 1 })).toEqual([]);
    expect(slots.enter('ex_3', { key: 'b', limit: 1 })).toEqual(['ex_3']);
    expect(slots.leave('b')).toEqual([]);
    expect(slots.leave('a')).toEqual(['ex_2']);
  });
});
