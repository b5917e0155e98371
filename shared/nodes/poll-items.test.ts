import { describe, expect, it } from 'vitest';
import { canonicalJson, hash64, itemKey } from './poll-items.ts';

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
