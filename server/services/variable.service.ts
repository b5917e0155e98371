/**
 * Workspace variables: plain ones stored as text, secret ones sealed like credentials (bound to
 * `variable:<name>`), and a cached map of every value for the engine's expressions (`vars`), so no
 * step reads the database for them. The cache is re-read after each change made here and, with
 * several processes, after another process announces one (cluster.ts, NOTIFY `v:<name>`). Every
 * secret value loaded goes to the scrubber, so it cannot reach a record or a log.
 */
import { AppError } from '#shared/errors.ts';
import type { CreateVariableBody, UpdateVariableBody, VariableSummary } from '#shared/api/variables.ts';
import type { SecretBox } from '../adapters/crypto.ts';
import type { VariableRepo, VariableRow } from '../db/repos/variable.repo.ts';
import { iso, type Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { SecretScrubber } from '../lib/secret-scrubber.ts';

const binding = (name: string) => `variable:${name}`;

export type VariableValues = Readonly<Record<string, string>>;

export function createVariableService(deps: { repo: VariableRepo; box: SecretBox; clock: Clock; secrets: SecretScrubber; logger: Logger }) {
  const log = deps.logger.child({ component: 'variables' });
  let values: VariableValues = Object.freeze({});
  // Refreshes may overlap (a local change and an announcement): a read that started earlier never
  // replaces the map of one that started later (and so saw at least as much).
  let started = 0;
  let published = 0;
  const listeners = new Set<(name: string) => void>();

  function summary(row: VariableRow): VariableSummary {
    const times = { createdAt: iso(row.created_at)!, updatedAt: iso(row.updated_at)! };
    return row.secret ? { name: row.name, secret: true, set: true, ...times } : { name: row.name, secret: false, value: row.value, ...times };
  }

  const seal = (name: string, value: string, secret: boolean) => (secret ? deps.box.seal(value, binding(name)) : value);

  /** Re-reads every variable into a new frozen map (readers holding the old one keep a consistent snapshot). */
  async function refresh(): Promise<void> {
    const mine = ++started;
    const next: Record<string, string> = {};
    const secret: string[] = [];
    for (const row of await deps.repo.list()) {
      if (!row.secret) {
        next[row.name] = row.value;
        continue;
      }
      try {
        next[row.name] = deps.box.open(row.value, binding(row.name));
        secret.push(next[row.name]!);
      } catch {
        // Unreadable (tampered, or moved between rows): left out, so `vars.NAME` is undefined rather than ciphertext.
        log.error('secret variable cannot be decrypted; it is left out of expressions', { variable: row.name });
      }
    }
    // Registered before the map is published: no expression can see a value the scrubber does not know.
    deps.secrets.add(secret);
    if (mine < published) return;
    published = mine;
    values = Object.freeze(next);
  }

  /** A stored secret for re-sealing; unreadable (another key, tampering) only a new value can repair it. */
  function openStored(row: VariableRow): string {
    try {
      return deps.box.open(row.value, binding(row.name));
    } catch {
      throw new AppError('VALIDATION_FAILED', `the stored value of ${row.name} cannot be decrypted`, {
        details: [{ path: 'value', message: 'required: the stored value is unreadable, give a new one' }],
      });
    }
  }

  async function require(name: string): Promise<VariableRow> {
    const row = await deps.repo.get(name);
    if (!row) throw new AppError('NOT_FOUND', `variable ${name} not found`, { details: [{ path: 'name', message: 'no such variable' }] });
    return row;
  }

  async function changed(name: string): Promise<void> {
    await refresh();
    listeners.forEach((fn) => fn(name));
  }

  return {
    refresh,
    /** The current values, for `vars` in expressions: a frozen map, replaced (never mutated) on change. */
    values: (): VariableValues => values,

    list: async (): Promise<{ items: VariableSummary[]; nextCursor: null }> => ({ items: (await deps.repo.list()).map(summary), nextCursor: null }),

    get: async (name: string): Promise<VariableSummary> => summary(await require(name)),

    async create(body: CreateVariableBody): Promise<VariableSummary> {
      const now = deps.clock.now();
      const row: VariableRow = { name: body.name, secret: body.secret ? 1 : 0, value: seal(body.name, body.value, body.secret), created_at: now, updated_at: now };
      if (!(await deps.repo.insert(row))) {
        throw new AppError('CONFLICT', `variable ${body.name} already exists`, { details: [{ path: 'name', message: 'already exists; PUT /api/variables/:name changes it' }] });
      }
      await changed(body.name);
      return summary(row);
    },

    async update(name: string, body: UpdateVariableBody): Promise<VariableSummary> {
      const row = await require(name);
      const secret = body.secret ?? row.secret === 1;
      let value = body.value;
      if (value === undefined) {
        if (row.secret && !secret) {
          throw new AppError('VALIDATION_FAILED', 'a secret variable made plain needs a new value', {
            details: [{ path: 'value', message: 'required: the secret value is never shown, so give the plain one' }],
          });
        }
        value = row.secret ? openStored(row) : row.value;
      }
      const next: VariableRow = { ...row, secret: secret ? 1 : 0, value: seal(name, value, secret), updated_at: deps.clock.now() };
      if (!(await deps.repo.update(next))) throw new AppError('NOT_FOUND', `variable ${name} not found`);
      await changed(name);
      return summary(next);
    },

    async remove(name: string): Promise<void> {
      if (!(await deps.repo.delete(name))) throw new AppError('NOT_FOUND', `variable ${name} not found`, { details: [{ path: 'name', message: 'no such variable' }] });
      await changed(name);
    },

    /** Called with the name after every create, update and delete made in this process (cluster announcements). */
    onChange(fn: (name: string) => void): () => void {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
export type VariableService = ReturnType<typeof createVariableService>;
