/**
 * Labels and help for the credential forms. The field lists, which fields are secret, and the
 * validation all come from shared/api/credentials.ts; a unit test keeps the two in step.
 */
import type { z } from 'zod';
import { credentialDataSchemas, credentialFields, secretFields, type CredentialType } from '#shared/api/credentials.ts';
import { objectShape, schemaKind } from '../editor/schema.ts';

export type CredentialFieldKind = 'text' | 'secret' | 'number' | 'switch';
export type CredentialField = { key: string; label: string; kind: CredentialFieldKind; required: boolean; placeholder?: string };
export type CredentialTypeInfo = { type: CredentialType; label: string; description: string; fields: CredentialField[] };

const COPY: Record<CredentialType, { label: string; description: string; fields: Record<string, { label: string; placeholder?: string }> }> = {
  httpBearer: { label: 'Bearer token', description: 'Sends Authorization: Bearer <token>', fields: { token: { label: 'Token' } } },
  httpBasic: {
    label: 'Basic auth',
    description: 'Sends Authorization: Basic with a username and password; also checks a webhook’s basic auth',
    fields: { username: { label: 'Username' }, password: { label: 'Password' } },
  },
  httpHeader: {
    label: 'Custom header',
    description: 'Sends one header, e.g. X-API-Key; also the expected header of a webhook',
    fields: { name: { label: 'Header name', placeholder: 'X-API-Key' }, value: { label: 'Header value' } },
  },
  smtp: {
    label: 'SMTP server',
    description: 'Sends email through your mail server',
    fields: {
      host: { label: 'Host', placeholder: 'smtp.example.com' },
      port: { label: 'Port', placeholder: '587 (465 with TLS)' },
      secure: { label: 'Use TLS from the start (port 465)' },
      username: { label: 'Username' },
      password: { label: 'Password' },
    },
  },
  webhookSecret: { label: 'Webhook signing secret', description: 'Verifies signed webhooks (GitHub, Stripe, Standard Webhooks, Slack)', fields: { secret: { label: 'Secret' } } },
};

function kindOf(type: CredentialType, key: string, schema: z.ZodType | undefined): CredentialFieldKind {
  if ((secretFields[type] as readonly string[]).includes(key)) return 'secret';
  const k = schema ? schemaKind(schema) : 'string';
  return k === 'number' || k === 'int' ? 'number' : k === 'boolean' ? 'switch' : 'text';
}

/** Required in a create form: absent and empty are both refused by the schema. */
const isRequired = (schema: z.ZodType | undefined) => !!schema && !schema.safeParse(undefined).success && !schema.safeParse('').success;

export const credentialTypes: readonly CredentialTypeInfo[] = (Object.keys(credentialFields) as CredentialType[]).map((type) => {
  const shape = objectShape(credentialDataSchemas[type]) ?? {};
  return {
    type,
    label: COPY[type].label,
    description: COPY[type].description,
    fields: credentialFields[type].map((key) => {
      const copy = COPY[type].fields[key];
      const field: CredentialField = { key, label: copy?.label ?? key, kind: kindOf(type, key, shape[key]), required: isRequired(shape[key]) };
      if (copy?.placeholder) field.placeholder = copy.placeholder;
      return field;
    }),
  };
});

export const credentialTypeInfo = (type: string) => credentialTypes.find((t) => t.type === type);
