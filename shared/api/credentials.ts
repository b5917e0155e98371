/**
 * Credentials and outbox API shapes (SPEC "HTTP API"): one data schema per credential type, the
 * write-only request bodies, and the summaries the server returns (which fields are set, never values).
 */
import { z } from 'zod';

export const CredentialType = z.enum(['httpBearer', 'httpBasic', 'httpHeader', 'smtp', 'webhookSecret']);
export type CredentialType = z.infer<typeof CredentialType>;

/** RFC 9110 field-name token: anything else would be refused by the HTTP client at run time. */
const HeaderName = z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a valid HTTP header name').max(200);
const Secret = z.string().min(1, 'required').max(16_384);

/** Strict: an unknown key is an error, so a typo cannot silently store nothing. */
export const credentialDataSchemas = {
  httpBearer: z.strictObject({ token: Secret }),
  httpBasic: z.strictObject({ username: z.string().min(1, 'required').max(1024), password: z.string().max(16_384) }),
  httpHeader: z.strictObject({ name: HeaderName, value: Secret }),
  smtp: z
    .strictObject({
      host: z.string().trim().min(1, 'required').max(253),
      /** Absent: 465 when `secure`, else 587. */
      port: z.number().int().min(1).max(65_535).optional(),
      /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
      secure: z.boolean().default(false),
      username: z.string().max(1024).optional(),
      password: z.string().max(16_384).optional(),
    })
    .refine((d) => d.password === undefined || d.password === '' || !!d.username, { message: 'a password needs a username', path: ['username'] }),
  webhookSecret: z.strictObject({ secret: Secret }),
} as const satisfies Record<CredentialType, z.ZodType>;

export type CredentialData<T extends CredentialType = CredentialType> = z.output<(typeof credentialDataSchemas)[T]>;

/** Every field of each type, in form order; `fields` in a summary has exactly these keys. */
export const credentialFields = {
  httpBearer: ['token'],
  httpBasic: ['username', 'password'],
  httpHeader: ['name', 'value'],
  smtp: ['host', 'port', 'secure', 'username', 'password'],
  webhookSecret: ['secret'],
} as const satisfies Record<CredentialType, readonly string[]>;

/** The fields whose values are secrets: scrubbed from records and logs by value once used. */
export const secretFields = {
  httpBearer: ['token'],
  httpBasic: ['password'],
  httpHeader: ['value'],
  smtp: ['password'],
  webhookSecret: ['secret'],
} as const satisfies Record<CredentialType, readonly string[]>;

const Name = z.string().trim().min(1, 'required').max(200);

export const CreateCredentialBody = z.discriminatedUnion('type', [
  z.object({ name: Name, type: z.literal('httpBearer'), data: credentialDataSchemas.httpBearer }),
  z.object({ name: Name, type: z.literal('httpBasic'), data: credentialDataSchemas.httpBasic }),
  z.object({ name: Name, type: z.literal('httpHeader'), data: credentialDataSchemas.httpHeader }),
  z.object({ name: Name, type: z.literal('smtp'), data: credentialDataSchemas.smtp }),
  z.object({ name: Name, type: z.literal('webhookSecret'), data: credentialDataSchemas.webhookSecret }),
]);
export type CreateCredentialBody = z.infer<typeof CreateCredentialBody>;

/**
 * PUT replaces only the fields given; the rest keep their stored values. `null` clears an optional
 * field. The merged result is validated against the type's schema. `type` may be repeated, not changed.
 */
export const UpdateCredentialBody = z.strictObject({
  name: Name.optional(),
  type: CredentialType.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type UpdateCredentialBody = z.infer<typeof UpdateCredentialBody>;

export const CredentialSummary = z.object({
  id: z.string(),
  name: z.string(),
  type: CredentialType,
  /** Which fields hold a value. Values themselves are never returned. */
  fields: z.record(z.string(), z.boolean()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CredentialSummary = z.infer<typeof CredentialSummary>;

/** 409 details when a credential in use by active workflows is deleted. */
export const CredentialInUse = z.object({ workflows: z.array(z.object({ id: z.string(), name: z.string() })) });

export const OutboxMail = z.object({
  id: z.string(),
  from: z.string().nullable(),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  bcc: z.array(z.string()),
  replyTo: z.string().nullable(),
  subject: z.string(),
  text: z.string().nullable(),
  html: z.string().nullable(),
  messageId: z.string().nullable(),
  createdAt: z.string(),
});
export type OutboxMail = z.infer<typeof OutboxMail>;

export const ListOutboxQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});
