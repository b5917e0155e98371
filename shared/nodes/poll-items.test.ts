import { describe, expect, it } from 'vitest';
import { arrayPaths, canonicalJson, hash64, itemKey, listedItems, previewJson, usableKey } from './poll-items.ts';

describe('poll item keys', () => {
  it('uses a usable key as is', () => {
    expect(itemKey('evt_1', {})).toBe('evt_1');
    expect(itemKey(42, {})).toBe('42');
  });

  it('hashes the content when the key is missing, empty, or not a string or number', () => {
    for (const raw of [undefined, null, '', '  ', true, { id: 1 }, [1], Number.NaN]) expect(itemKey(raw, { a: 1 })).toMatch(/^hash:[0-9a-f]{16}$/);
  });

  it('is deterministic: the same content gives the same key, whatever the key order', () => {
    const a = itemKey(undefined, { title: 'x', tags: ['a', 'b'], nested: { z: 1, y: 2 } });
    const b = itemKey(undefined, { nested: { y: 2, z: 1 }, tags: ['a', 'b'], title: 'x' });
    expect(a).toBe(b);
    expect(itemKey(undefined, { title: 'y' })).not.toBe(a);
    // Pinned: changing the hash would refire every keyless item once after an upgrade.
    expect(hash64('hello')).toBe('bfb06f3a63cd7226');
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined })).toBe('{"a":[true,null,"x"],"b":1}');
  });

  it('hashes very long keys so the seen set stays small', () => {
    expect(itemKey('x'.repeat(500), {})).toMatch(/^hash:/);
  });
});

describe('what a poll found', () => {
  it('tells nothing, a list and a single value apart', () => {
    expect(listedItems(undefined)).toEqual({ items: [], found: 'nothing' });
    expect(listedItems(null)).toEqual({ items: [], found: 'nothing' });
    expect(listedItems([])).toEqual({ items: [], found: 'nothing' });
    expect(listedItems([1, 2])).toEqual({ items: [1, 2], found: 'list' });
    expect(listedItems({ id: 1 })).toEqual({ items: [{ id: 1 }], found: 'single' });
  });

  it('says when the key found nothing usable', () => {
    expect(usableKey('a')).toBe('a');
    expect(usableKey(7)).toBe('7');
    for (const raw of [undefined, null, '', true, { id: 1 }]) expect(usableKey(raw)).toBeNull();
  });

  it('lists the paths to non-empty arrays in a response, shallowest first', () => {
    const body = { meta: { pages: [] }, data: [{ id: 1 }], result: { items: [1], 'odd key': [2] } };
    expect(arrayPaths(body)).toEqual(['body.data', 'body.result.items', 'body.result.`odd key`']);
    expect(arrayPaths([1])).toEqual(['body']);
    expect(arrayPaths('text')).toEqual([]);
  });

  it('cuts a long preview and says so', () => {
    expect(previewJson({ a: 1 })).toEqual({ text: '{\n  "a": 1\n}', truncated: false });
    expect(previewJson('x'.repeat(50), 10)).toEqual({ text: 'x'.repeat(10), truncated: true });
  });
});
