/**
 * Workspace variables API shapes (issue 14): `vars.NAME` in every expression. Names are upper-case
 * identifiers (`^[A-Z_][A-Z0-9_]*$`, at most 64 characters) so `vars.NAME` needs no quoting in
 * JSONata and reads as a constant. Secret values are write-only: a summary says `set: true`, never the value.
 */
import { z } from 'zod';

export const VARIABLE_NAME = /^[A-Z_][A-Z0-9_]*$/;
export const MAX_VARIABLE_VALUE = 16_384;
/** The scrubber ignores shorter values (server/lib/secret-scrubber.ts MIN_SECRET_LENGTH): such a secret could not be kept out of records. */
export const MIN_SECRET_VALUE = 6;

export const VariableName = z
  .string()
  .max(64, 'at most 64 characters')
  .regex(VARIABLE_NAME, 'must be upper-case letters, digits and _, not starting with a digit (e.g. API_BASE)');

const Value = z.string().max(MAX_VARIABLE_VALUE, `at most ${MAX_VARIABLE_VALUE} characters`);

const secretLongEnough = (d: { value?: string | undefined; secret?: boolean | undefined }) => !d.secret || d.value === undefined || d.value.length >= MIN_SECRET_VALUE;
const tooShort = { message: `a secret value needs at least ${MIN_SECRET_VALUE} characters (shorter ones cannot be scrubbed from records)`, path: ['value'] };

export const CreateVariableBody = z.strictObject({ name: VariableName, value: Value, secret: z.boolean().default(false) }).refine(secretLongEnough, tooShort);
export type CreateVariableBody = z.infer<typeof CreateVariableBody>;

/**
 * PUT /api/variables/:name: `value` and/or `secret`. Making a variable secret keeps its value (now
 * sealed); making a secret one plain needs a new `value`, since the old one is never shown.
 */
export const UpdateVariableBody = z
  .strictObject({ value: Value.optional(), secret: z.boolean().optional() })
  .refine((d) => d.value !== undefined || d.secret !== undefined, { message: 'give value or secret', path: ['value'] })
  .refine(secretLongEnough, tooShort);
export type UpdateVariableBody = z.infer<typeof UpdateVariableBody>;

export const VariableNameParams = z.object({ name: VariableName });

export const VariableSummary = z.union([
  z.object({ name: z.string(), secret: z.literal(false), value: z.string(), createdAt: z.string(), updatedAt: z.string() }),
  z.object({ name: z.string(), secret: z.literal(true), set: z.literal(true), createdAt: z.string(), updatedAt: z.string() }),
]);
export type VariableSummary = z.infer<typeof VariableSummary>;

/** `vars.NAME` references in a text (templates, JSONata fields): what an export lists as needed. */
export function variableReferences(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\bvars\.([A-Z_][A-Z0-9_]*)/g)) out.add(m[1]!);
  return [...out];
}
