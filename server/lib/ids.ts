/** Prefixed ids that sort by creation time (so cursors can be the id itself) and unguessable tokens. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
let pool = randomBytes(4096);
let poolAt = 0;

function randomChars(n: number): string {
  if (poolAt + n > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[pool[poolAt++]! % 36];
  return s;
}

let idMs = -1;
let idSeq = 0;

/**
 * `ex_` + 9 base36 chars of milliseconds + a 4-char counter + 8 random chars: lexicographic order =
 * creation order, within one millisecond too for ids one process makes (a concurrency group's
 * line is in id order). Across processes, ids of one millisecond sort in either order.
 */
export function newId(prefix: 'wf' | 'ex' | 'usr' | 'key' | 'cred' | 'req' | 'mail', now = Date.now()): string {
  // A clock that steps back keeps counting instead of restarting at 0 within the earlier millisecond.
  idSeq = now <= idMs ? idSeq + 1 : 0;
  idMs = Math.max(idMs, now);
  return `${prefix}_${now.toString(36).padStart(9, '0')}${Math.min(idSeq, 36 ** 4 - 1).toString(36).padStart(4, '0')}${randomChars(8)}`;
}

/** A webhook token: 192 random bits, URL-safe. */
export function newToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

let orderedMs = -1;
let orderedSeq = 0;

/**
 * `aud_` + 9 base36 chars of milliseconds + a 4-char counter + 8 random chars: like newId, but ids
 * made by one process within one millisecond still sort in the order they were made, so a log read
 * newest first by id shows two changes of one request in the order they happened.
 */
export function newOrderedId(prefix: 'aud' | 'bulk' | 'alert', now = Date.now()): string {
  orderedSeq = now === orderedMs ? orderedSeq + 1 : 0;
  orderedMs = now;
  return `${prefix}_${now.toString(36).padStart(9, '0')}${orderedSeq.toString(36).padStart(4, '0')}${randomChars(8)}`;
}
