/**
 * What a workflow needs from the workspace it runs in: the variables its expressions name
 * (`vars.NAME`) and the credentials its nodes reference (`credentialId` anywhere in a config).
 * An export lists them (names and types, never values); an import maps each credential reference
 * to a credential of this server (an explicit `credentialMap`, the same id, or one credential with
 * the same name and type) and reports what is still missing, instead of keeping dangling ids silently.
 */
import { z } from 'zod';
import { variableReferences } from '#shared/api/variables.ts';
import { AppError } from '#shared/errors.ts';
import type { WorkflowNode } from '#shared/workflow.ts';

const MAX_DEPTH = 32;

export type CredentialRef = { id: string; name: string | null; type: string | null };
export type Requirements = { variables: { name: string; secret: boolean | null }[]; credentials: CredentialRef[] };

/** The `requires` block of an export document (optional: older exports and hand-written drafts lack it). */
export const RequiresBlock = z
  .object({
    variables: z.array(z.object({ name: z.string(), secret: z.boolean().nullable().optional() })).max(10_000).default([]),
    credentials: z.array(z.object({ id: z.string(), name: z.string().nullable().optional(), type: z.string().nullable().optional() })).max(10_000).default([]),
  })
  .optional();

/** Import options beside the document: `credentialMap` from an old credential id or name to a credential id here. */
export const ImportOptions = z.object({
  credentialMap: z.record(z.string().max(200), z.string().min(1).max(200)).default({}),
  requires: RequiresBlock,
});
export type ImportOptions = z.infer<typeof ImportOptions>;

export type ImportReport = {
  credentials: {
    mapped: { from: string; to: string; name: string; by: 'map' | 'name' }[];
    /** Referenced, not found here and not mapped: the id is kept (the node fails until it is changed). */
    missing: (CredentialRef & { nodes: string[] })[];
  };
  variables: { missing: { name: string; nodes: string[] }[] };
};

type Lookup = {
  credentials(): Promise<{ id: string; name: string; type: string }[]>;
  variables(): Promise<{ name: string; secret: boolean }[]>;
};

/** Calls `fn` on every string of a config, and on every `credentialId` value with a setter to replace it. */
function walk(value: unknown, onString: (s: string) => void, onCredential: (id: string, set: (v: string) => void) => void, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  if (typeof value === 'string') return onString(value);
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) return value.forEach((v) => walk(v, onString, onCredential, depth + 1));
  const obj = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'credentialId' && typeof v === 'string' && v !== '') onCredential(v, (next) => (obj[k] = next));
    else walk(v, onString, onCredential, depth + 1);
  }
}

/** Variable names and credential ids each node uses, in node order. */
function references(nodes: readonly WorkflowNode[]) {
  const vars = new Map<string, string[]>();
  const creds = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, key: string, node: string) => {
    const list = m.get(key) ?? [];
    if (!list.includes(node)) list.push(node);
    m.set(key, list);
  };
  for (const n of nodes) {
    walk(
      n.config,
      (s) => variableReferences(s).forEach((v) => add(vars, v, n.id)),
      (id) => add(creds, id, n.id),
    );
  }
  return { vars, creds };
}

export function createRequirements(lookup: Lookup) {
  return {
    /** For an export: every variable and credential the nodes reference, with what this server knows of them. */
    async of(nodes: readonly WorkflowNode[]): Promise<Requirements> {
      const { vars, creds } = references(nodes);
      const [credList, varList] = await Promise.all([lookup.credentials(), lookup.variables()]);
      const credById = new Map(credList.map((c) => [c.id, c]));
      const varByName = new Map(varList.map((v) => [v.name, v]));
      return {
        variables: [...vars.keys()].sort().map((name) => ({ name, secret: varByName.get(name)?.secret ?? null })),
        credentials: [...creds.keys()].map((id) => ({ id, name: credById.get(id)?.name ?? null, type: credById.get(id)?.type ?? null })),
      };
    },

    /**
     * For an import: rewrites the nodes' credential ids (a copy) and reports what was mapped and
     * what is missing. A `credentialMap` entry naming no credential here is refused (400, its path).
     */
    async resolve(nodes: readonly WorkflowNode[], opts: ImportOptions): Promise<{ nodes: WorkflowNode[]; report: ImportReport }> {
      const copy = structuredClone(nodes) as WorkflowNode[];
      const [credList, varList] = await Promise.all([lookup.credentials(), lookup.variables()]);
      const credById = new Map(credList.map((c) => [c.id, c]));
      const bad = Object.entries(opts.credentialMap)
        .filter(([, to]) => !credById.has(to))
        .map(([from]) => ({ path: `credentialMap.${from}`, message: 'no credential with this id here' }));
      if (bad.length) throw new AppError('VALIDATION_FAILED', 'the credential map names credentials that do not exist', { details: bad });
      const described = new Map((opts.requires?.credentials ?? []).map((c) => [c.id, { name: c.name ?? null, type: c.type ?? null }]));

      const mapped: ImportReport['credentials']['mapped'] = [];
      const missing = new Map<string, CredentialRef & { nodes: string[] }>();
      const choose = (id: string): { to: string; by: 'map' | 'name' } | 'same' | undefined => {
        const info = described.get(id);
        const explicit = opts.credentialMap[id] ?? (info?.name ? opts.credentialMap[info.name] : undefined);
        if (explicit) return { to: explicit, by: 'map' };
        if (credById.has(id)) return 'same';
        if (!info?.name) return undefined;
        // By name and type, and only when exactly one matches: a guess between two would be a silent wrong choice.
        const same = credList.filter((c) => c.name === info.name && (!info.type || c.type === info.type));
        return same.length === 1 ? { to: same[0]!.id, by: 'name' } : undefined;
      };
      for (const n of copy) {
        walk(
          n.config,
          () => {},
          (id, set) => {
            const pick = choose(id);
            if (pick === 'same') return;
            if (!pick) {
              const info = described.get(id);
              const entry = missing.get(id) ?? { id, name: info?.name ?? null, type: info?.type ?? null, nodes: [] };
              if (!entry.nodes.includes(n.id)) entry.nodes.push(n.id);
              missing.set(id, entry);
              return;
            }
            set(pick.to);
            if (!mapped.some((m) => m.from === id)) mapped.push({ from: id, to: pick.to, name: credById.get(pick.to)!.name, by: pick.by });
          },
        );
      }
      const known = new Set(varList.map((v) => v.name));
      const { vars } = references(copy);
      return {
        nodes: copy,
        report: {
          credentials: { mapped, missing: [...missing.values()] },
          variables: { missing: [...vars].filter(([name]) => !known.has(name)).map(([name, used]) => ({ name, nodes: used })) },
        },
      };
    },
  };
}
export type WorkflowRequirements = ReturnType<typeof createRequirements>;
