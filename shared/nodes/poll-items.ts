/**
 * Item keys for `trigger.poll`: a usable key as given, else a deterministic hash of the item's
 * content (canonical JSON, so the same item always gets the same key, in any process). Browser-safe.
 */

/** Keys longer than this are hashed, so the persisted seen-key set stays small. */
export const MAX_KEY_LENGTH = 200;

/** JSON with object keys sorted at every level: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** A 64-bit non-cryptographic hash (two mixed 32-bit lanes), as 16 hex characters. */
export function hash64(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

/**
 * The key of one item. Only non-empty strings and finite numbers are usable keys: a boolean or an
 * object would make many different items look alike. Anything else falls back to `hash:<content>`.
 */
export function itemKey(rawKey: unknown, item: unknown): string {
  if (typeof rawKey === 'number' && Number.isFinite(rawKey)) return String(rawKey);
  if (typeof rawKey === 'string' && rawKey.trim() !== '') return rawKey.length <= MAX_KEY_LENGTH ? rawKey : `hash:${hash64(rawKey)}`;
  return `hash:${hash64(canonicalJson(item))}`;
}
