/**
 * Credential rules: validation per type, encryption bound to the row, summaries that say which fields
 * are set (never values), partial updates, refusal to delete what an active workflow uses, and
 * `reveal` for server-internal consumers (HTTP/mail ports, webhook auth).
 */
import { z } from 'zod';
import {
  CredentialType,
  credentialDataSchemas,
  credentialFields,
  secretFields,
  type CreateCredentialBody,
  type CredentialSummary,
  type UpdateCredentialBody,
} from '#shared/api/credentials.ts';
import { AppError } from '#shared/errors.ts';
import { fromZodIssues } from '#shared/issues.ts';
import type { SecretBox } from '../adapters/crypto.ts';
import type { CredentialRepo, CredentialRow } from '../db/repos/credential.repo.ts';
import { iso, type Clock } from '../lib/clock.ts';
import { newId } from '../lib/ids.ts';
import type { SecretScrubber } from '../lib/secret-scrubber.ts';

export type RevealedCredential = { type: CredentialType; data: Record<string, unknown> };

/** A stored credential whose ciphertext does not open (wrong key, tampering, a value moved between rows). */
export class CredentialUnreadableError extends Error {
  readonly code = 'CREDENTIAL_UNREADABLE';
  constructor(id: string, options?: { cause?: unknown }) {
    super(`credential ${id} cannot be decrypted`, options);
    this.name = 'CredentialUnreadableError';
  }
}

type ActiveWorkflow = { id: string; name: string; nodes: { config: unknown }[] };

const Sealed = z.object({ type: CredentialType, data: z.record(z.string(), z.unknown()) });
const FieldList = z.array(z.string());
const MAX_SCAN_DEPTH = 16;

const isSet = (v: unknown) => v !== undefined && v !== null && v !== '';
const binding = (id: string) => `credential:${id}`;

/** Whether any `credentialId` anywhere in a node config (action, poll request, webhook auth) names `id`. */
export function referencesCredential(config: unknown, id: string, depth = 0): boolean {
  if (config === null || typeof config !== 'object' || depth > MAX_SCAN_DEPTH) return false;
  if (Array.isArray(config)) return config.some((v) => referencesCredential(v, id, depth + 1));
  return Object.entries(config).some(([k, v]) => (k === 'credentialId' && v === id) || referencesCredential(v, id, depth + 1));
}

/** The values to scrub from records once a credential is used, derived forms included. */
export function secretValuesOf(cred: RevealedCredential): string[] {
  const values = secretFields[cred.type].map((f) => cred.data[f]).filter((v): v is string => typeof v === 'string');
  if (cred.type === 'httpBasic') {
    values.push(Buffer.from(`${String(cred.data.username ?? '')}:${String(cred.data.password ?? '')}`).toString('base64'));
  }
  return values;
}

function invalid(issues: readonly z.core.$ZodIssue[]): AppError {
  return new AppError('VALIDATION_FAILED', 'invalid credential', { details: fromZodIssues(issues, ['data']) });
}

export function createCredentialService(deps: {
  repo: CredentialRepo;
  box: SecretBox;
  clock: Clock;
  secrets: SecretScrubber;
  /** Active workflows, scanned for references before a delete. */
  activeWorkflows: () => Promise<ActiveWorkflow[]>;
}) {
  const listeners = new Set<(id: string) => void>();
  const changed = (id: string) => listeners.forEach((fn) => fn(id));

  function summary(row: Omit<CredentialRow, 'data'>): CredentialSummary {
    const type = CredentialType.parse(row.type);
    const set = new Set(FieldList.parse(JSON.parse(row.fields)));
    return {
      id: row.id,
      name: row.name,
      type,
      fields: Object.fromEntries(credentialFields[type].map((f) => [f, set.has(f)])),
      createdAt: iso(row.created_at)!,
      updatedAt: iso(row.updated_at)!,
    };
  }

  function seal(id: string, type: CredentialType, data: Record<string, unknown>) {
    return {
      fields: JSON.stringify(credentialFields[type].filter((f) => isSet(data[f]))),
      data: deps.box.seal(JSON.stringify({ type, data }), binding(id)),
    };
  }

  function open(row: CredentialRow): RevealedCredential {
    try {
      const sealed = Sealed.parse(JSON.parse(deps.box.open(row.data, binding(row.id))));
      // The type is inside the ciphertext too: a row whose type column was edited does not pass.
      if (sealed.type !== row.type) throw new Error('type mismatch');
      return sealed;
    } catch (cause) {
      throw new CredentialUnreadableError(row.id, { cause });
    }
  }

  async function require(id: string): Promise<CredentialRow> {
    const row = await deps.repo.get(id);
    if (!row) throw new AppError('NOT_FOUND', `credential ${id} not found`);
    return row;
  }

  return {
    async list(): Promise<{ items: CredentialSummary[]; nextCursor: null }> {
      return { items: (await deps.repo.list()).map(summary), nextCursor: null };
    },

    get: async (id: string): Promise<CredentialSummary> => summary(await require(id)),

    async create(body: CreateCredentialBody): Promise<CredentialSummary> {
      const now = deps.clock.now();
      const id = newId('cred', now);
      const row: CredentialRow = { id, name: body.name, type: body.type, ...seal(id, body.type, body.data), created_at: now, updated_at: now };
      await deps.repo.insert(row);
      return summary(row);
    },

    /** Replaces only the fields given (`null` clears an optional one); the merged whole must be valid. */
    async update(id: string, body: UpdateCredentialBody): Promise<CredentialSummary> {
      const row = await require(id);
      const type = CredentialType.parse(row.type);
      if (body.type !== undefined && body.type !== type) {
        throw new AppError('VALIDATION_FAILED', 'the type of a credential cannot change', {
          details: [{ path: 'type', message: `this credential is ${type}; create a new one for another type` }],
        });
      }
      let sealed = { fields: row.fields, data: row.data };
      if (body.data) {
        let base: Record<string, unknown> = {};
        try {
          base = open(row).data;
        } catch (err) {
          // Stored values are unreadable: only a complete replacement can repair the row.
          if (!(err instanceof CredentialUnreadableError)) throw err;
        }
        const merged: Record<string, unknown> = { ...base };
        for (const [k, v] of Object.entries(body.data)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        const parsed = credentialDataSchemas[type].safeParse(merged);
        if (!parsed.success) throw invalid(parsed.error.issues);
        sealed = seal(id, type, parsed.data);
      }
      const next = { ...row, ...sealed, name: body.name ?? row.name, updated_at: deps.clock.now() };
      if (!(await deps.repo.update(next))) throw new AppError('NOT_FOUND', `credential ${id} not found`);
      changed(id);
      return summary(next);
    },

    /** Refused with 409 (the workflows named) while an active workflow uses the credential. */
    async remove(id: string): Promise<void> {
      await require(id);
      const users = (await deps.activeWorkflows()).filter((wf) => wf.nodes.some((n) => referencesCredential(n.config, id)));
      if (users.length) {
        throw new AppError('CONFLICT', `credential ${id} is used by ${users.length} active workflow${users.length > 1 ? 's' : ''}; deactivate or change them first`, {
          details: { workflows: users.map((w) => ({ id: w.id, name: w.name })) },
        });
      }
      if (!(await deps.repo.delete(id))) throw new AppError('NOT_FOUND', `credential ${id} not found`);
      changed(id);
    },

    /**
     * Server-internal only, never exposed over HTTP: the decrypted type and fields, or undefined when
     * the credential does not exist. Throws CredentialUnreadableError when it cannot be decrypted.
     * Every value revealed is registered with the scrubber, so it cannot reach a record or a log.
     */
    async reveal(credentialId: string): Promise<RevealedCredential | undefined> {
      const row = await deps.repo.get(credentialId);
      if (!row) return undefined;
      const cred = open(row);
      deps.secrets.add(secretValuesOf(cred));
      return cred;
    },

    /** Called with the id after every update and delete (caches of revealed values, pooled transports). */
    onChange(fn: (credentialId: string) => void): () => void {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
export type CredentialService = ReturnType<typeof createCredentialService>;
