/**
 * Reading a node's zod config schema for the generated config panel: field schemas, defaults,
 * enum options, and the shape of nested objects (webhook auth, poll request) for the `object` widget.
 */
import type { z } from 'zod';
import type { AnyNodeDefinition, FieldUi } from '#shared/nodes/define.ts';

type Internal = { _zod: { def: { type: string; innerType?: z.ZodType; discriminator?: string; values?: unknown[] } } };
const defOf = (s: z.ZodType) => (s as unknown as Internal)._zod.def;

const WRAPPERS = new Set(['default', 'optional', 'nullable', 'prefault', 'readonly', 'nonoptional', 'catch']);

/** Strips default/optional/nullable wrappers to reach the schema that says what the value is. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    const d = defOf(s);
    if (!WRAPPERS.has(d.type) || !d.innerType) break;
    s = d.innerType;
  }
  return s;
}

export const schemaKind = (schema: z.ZodType): string => defOf(unwrap(schema)).type;

export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  const s = unwrap(schema);
  return defOf(s).type === 'object' ? (s as unknown as { shape: Record<string, z.ZodType> }).shape : null;
}

export function fieldSchema(def: AnyNodeDefinition, key: string): z.ZodType | undefined {
  return objectShape(def.config)?.[key];
}

/** Enum values of a field (or of its array element, for multi-selects). */
export function enumOptions(schema: z.ZodType | undefined): string[] {
  if (!schema) return [];
  let s = unwrap(schema);
  if (defOf(s).type === 'array') s = unwrap((s as unknown as { element: z.ZodType }).element);
  const d = defOf(s);
  if (d.type === 'enum') return (s as unknown as { options: string[] }).options.map(String);
  if (d.type === 'literal') return (d.values ?? []).map(String);
  return [];
}

export const isOptional = (schema: z.ZodType | undefined): boolean =>
  !schema || (schema.safeParse(undefined).success && schema.safeParse(undefined).data === undefined);

/** The schema default of a field, or undefined. */
export function defaultOf(schema: z.ZodType | undefined): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(undefined);
  return r.success ? r.data : undefined;
}

/** The browser's IANA timezone (e.g. `Europe/Berlin`), or undefined when Intl does not say. */
export function browserTimeZone(): string | undefined {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
}

/**
 * A fresh node's config: every field that has a default, hidden (server-assigned) fields left out.
 * A timezone field starts at the browser's zone: a person adding a schedule means their own 9:00
 * (the schema's default, UTC, stays for workflows created through the API).
 */
export function defaultConfig(def: AnyNodeDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(objectShape(def.config) ?? {})) {
    const ui = (def.ui as Record<string, FieldUi | undefined>)[key];
    if (ui?.hidden) continue;
    const value = ui?.widget === 'timezone' ? (browserTimeZone() ?? defaultOf(schema)) : defaultOf(schema);
    if (value !== undefined) out[key] = structuredClone(value);
  }
  return out;
}

/** A discriminated union of objects (`{type:'none'} | {type:'header', …}`), described for a form. */
export type UnionShape = { discriminator: string; options: { value: string; shape: Record<string, z.ZodType> }[] };

export function unionShape(schema: z.ZodType): UnionShape | null {
  const s = unwrap(schema);
  const d = defOf(s);
  if (d.type !== 'union' || !d.discriminator) return null;
  const options: UnionShape['options'] = [];
  for (const option of (s as unknown as { options: z.ZodType[] }).options) {
    const shape = objectShape(option);
    const tag = shape?.[d.discriminator];
    const value = tag ? enumOptions(tag)[0] : undefined;
    if (!shape || value === undefined) return null;
    options.push({ value, shape });
  }
  return { discriminator: d.discriminator, options };
}

/** "credentialId" → "Credential", "timeoutMs" → "Timeout (ms)": labels for nested fields without hints. */
export function humanize(key: string): string {
  if (key === 'credentialId') return 'Credential';
  const ms = key.endsWith('Ms');
  const base = (ms ? key.slice(0, -2) : key).replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  const text = base === 'url' ? 'URL' : base.charAt(0).toUpperCase() + base.slice(1);
  return ms ? `${text} (ms)` : text;
}
