/** Email address fields: parsed like mail clients do ("Name <a@b.example>", comma lists), validated, and named in errors. */
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { NodeFailure } from '#shared/errors.ts';

export type Address = { name: string; address: string };
export type AddressField = 'from' | 'to' | 'cc' | 'bcc' | 'replyTo';

// Deliberately practical, not RFC 5322 complete: unquoted local parts and DNS names (IDN welcome) or IP literals.
const LOCAL = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const IP_LITERAL = /^\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9a-fA-F:.]+)\]$/;

export function isValidAddress(address: string): boolean {
  if (address.length > 254) return false;
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return false;
  if (IP_LITERAL.test(domain)) return true;
  return domain.length <= 253 && domain.split('.').every((l) => LABEL.test(l));
}

const invalid = (field: AddressField, value: string, why: string) =>
  new NodeFailure(`${field}: ${JSON.stringify(value)} ${why}`, { code: 'INVALID_ADDRESS', details: { field, value } });

/**
 * Parses one address field. Each entry may itself be a comma-separated list. Throws NodeFailure
 * (INVALID_ADDRESS, naming the field) on the first bad address.
 */
export function parseAddresses(field: AddressField, values: readonly string[] | undefined): Address[] {
  const out: Address[] = [];
  for (const value of values ?? []) {
    if (typeof value !== 'string') throw invalid(field, String(value), 'is not text');
    // A line break in an address is a header injection attempt, whatever the parser would make of it.
    if (/[\r\n]/.test(value)) throw invalid(field, value, 'contains a line break');
    if (value.trim() === '') continue;
    for (const a of addressparser(value, { flatten: true })) {
      const address = a.address.trim();
      if (!address && !a.name) continue;
      if (!isValidAddress(address)) throw invalid(field, address || a.name, 'is not a valid email address');
      out.push({ name: a.name.trim(), address });
    }
  }
  return out;
}

/** `"Name" <a@b.example>` or the bare address: how the outbox shows it. */
export function formatAddress(a: Address): string {
  return a.name ? `"${a.name.replace(/["\\]/g, '\\$&')}" <${a.address}>` : a.address;
}
