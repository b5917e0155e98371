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
  return usableKey(rawKey) ?? `hash:${hash64(canonicalJson(item))}`;
}

/** The key the `key` expression gave, when it is usable; null means the content hash stands in. */
export function usableKey(rawKey: unknown): string | null {
  if (typeof rawKey === 'number' && Number.isFinite(rawKey)) return String(rawKey);
  if (typeof rawKey === 'string' && rawKey.trim() !== '') return rawKey.length <= MAX_KEY_LENGTH ? rawKey : `hash:${hash64(rawKey)}`;
  return null;
}

/**
 * What the `items` expression gave, as the list of items to key: `nothing` (undefined, null, an
 * empty list), a `list`, or a `single` value. JSONata collapses a one-element sequence to the
 * element itself, so a single value is polled as one item; the test poll says so.
 */
export function listedItems(listed: unknown): { items: unknown[]; found: 'nothing' | 'list' | 'single' } {
  if (listed === undefined || listed === null) return { items: [], found: 'nothing' };
  if (Array.isArray(listed)) return { items: listed, found: listed.length ? 'list' : 'nothing' };
  return { items: [listed], found: 'single' };
}

/**
 * Paths (from `base`) to the non-empty lists inside a response, shallowest first: the candidates
 * for a poll's `items` when the one given finds nothing, e.g. `body.data` or `body.result.items`.
 */
export function arrayPaths(value: unknown, base = 'body', maxDepth = 4, limit = 8): string[] {
  const found: string[] = [];
  let level: [string, unknown][] = [[base, value]];
  for (let depth = 0; depth <= maxDepth && level.length && found.length < limit; depth++) {
    const next: [string, unknown][] = [];
    for (const [path, v] of level) {
      if (Array.isArray(v)) {
        if (v.length && found.length < limit) found.push(path);
      } else if (v && typeof v === 'object') {
        for (const [k, child] of Object.entries(v)) next.push([/^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}.\`${k}\``, child]);
      }
    }
    level = next;
  }
  return found;
}

/** Pretty JSON (or the text itself) cut to `maxChars`, for showing a raw response. */
export function previewJson(value: unknown, maxChars = 20_000): { text: string; truncated: boolean } {
  const full = typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? String(value));
  return full.length <= maxChars ? { text: full, truncated: false } : { text: full.slice(0, maxChars), truncated: true };
}
