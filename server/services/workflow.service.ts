/** Workflow rules: drafts, versions, webhook tokens, activation (validation + arming), export/import. */
import jsonata from 'jsonata';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AppError } from '#shared/errors.ts';
import type { Issue } from '#shared/issues.ts';
import { describeCompileError, expressionIssues } from '#shared/graph/expressions.ts';
import { validateGraph } from '#shared/graph/validate.ts';
import { findTrigger } from '#shared/nodes/registry.ts';
import { Workflow, WorkflowDraft, type WorkflowNode, type WorkflowSettings } from '#shared/workflow.ts';
import type { Schema } from '../db/schema.ts';
import type { ExecutionQueryRepo } from '../db/repos/execution-query.repo.ts';
import { createWorkflowRepo, type SaveOrigin, type WorkflowRecord } from '../db/repos/workflow.repo.ts';
import type { Activator } from '../engine/activator.ts';
import { iso, type Clock } from '../lib/clock.ts';
import { newId, newToken } from '../lib/ids.ts';
import { createVersionHistory, versionsOverCap } from './workflow-versions.ts';
import type { ImportOptions, ImportReport, WorkflowRequirements } from './workflow-requirements.ts';

export const EXPORT_FORMAT = 'switchyard.workflow/v1';

export const ImportDocument = z.union([
  z.object({ format: z.literal(EXPORT_FORMAT), workflow: WorkflowDraft }).transform((d) => d.workflow),
  WorkflowDraft,
]);

export type WorkflowListItem = {
  id: string;
  name: string;
  active: boolean;
  version: number;
  triggerType: string | null;
  lastExecution: { id: string; status: string; createdAt: string; finishedAt: string | null } | null;
  createdAt: string;
  updatedAt: string;
};

const isWebhook = (n: WorkflowNode) => n.type === 'trigger.webhook';

/** The nodes with each webhook's secret token taken out (exports and old versions need no token). */
function withoutTokens(nodes: WorkflowNode[]): WorkflowNode[] {
  return nodes.map((n) => {
    if (!isWebhook(n)) return n;
    const { token: _token, ...config } = n.config;
    return { ...n, config };
  });
}

/** A concurrency key is JSONata over the trigger event: compiled here (never run), as the graph's expressions are. */
function settingsIssues(settings: WorkflowSettings | undefined): Issue[] {
  const key = settings?.concurrency?.key;
  if (!key) return [];
  try {
    jsonata(key);
    return [];
  } catch (err) {
    return [{ path: 'settings.concurrency.key', message: describeCompileError(key, err) }];
  }
}

export function createWorkflowService(deps: {
  db: Kysely<Schema>;
  activator: Activator;
  executions: ExecutionQueryRepo;
  clock: Clock;
  publicUrl: () => string;
  /** Told whenever a workflow's hooks or activity change (webhook token cache). */
  onChanged?: (workflowId: string) => void;
  /** WORKFLOW_VERSIONS_MAX: versions kept per workflow (workflow-versions.ts versionsOverCap); unset: all, forever. */
  maxVersions?: number;
  /** Variables and credentials a workflow needs (exports list them; imports map and report them). */
  requirements?: WorkflowRequirements;
}) {
  const repo = createWorkflowRepo(deps.db);
  const changed = (id: string) => deps.onChanged?.(id);

  async function require(id: string): Promise<WorkflowRecord> {
    const wf = await repo.get(id);
    if (!wf) throw new AppError('NOT_FOUND', `workflow ${id} not found`);
    return wf;
  }

  async function present(wf: WorkflowRecord): Promise<Workflow> {
    const triggers = await deps.activator.info(wf);
    for (const t of triggers) {
      const node = wf.nodes.find((n) => n.id === t.nodeId);
      const token = node && isWebhook(node) ? (node.config.token as string | undefined) : undefined;
      if (token) t.url = `${deps.publicUrl()}/hooks/${token}`;
    }
    return {
      id: wf.id,
      name: wf.name,
      active: wf.active,
      version: wf.version,
      nodes: wf.nodes,
      edges: wf.edges,
      settings: wf.settings,
      triggers,
      createdAt: iso(wf.createdAt)!,
      updatedAt: iso(wf.updatedAt)!,
    };
  }

  /**
   * Every webhook node keeps the token it already owns; a missing, foreign or duplicated token
   * (import, duplicate, copy-paste) gets a fresh one. Tokens are never chosen by clients.
   */
  function assignTokens(nodes: WorkflowNode[], owned: Set<string>): { nodes: WorkflowNode[]; tokens: { token: string; nodeId: string }[] } {
    const seen = new Set<string>();
    const tokens: { token: string; nodeId: string }[] = [];
    const out = nodes.map((n) => {
      if (!isWebhook(n)) return n;
      let token = typeof n.config.token === 'string' ? n.config.token : undefined;
      if (!token || !owned.has(token) || seen.has(token)) token = newToken();
      seen.add(token);
      tokens.push({ token, nodeId: n.id });
      return { ...n, config: { ...n.config, token } };
    });
    return { nodes: out, tokens };
  }

  async function ownedTokens(workflowId: string): Promise<Set<string>> {
    const rows = await deps.db.selectFrom('webhook_tokens').select('token').where('workflow_id', '=', workflowId).execute();
    return new Set(rows.map((r) => r.token));
  }

  async function persist(wf: WorkflowRecord, tokens: { token: string; nodeId: string }[], origin: SaveOrigin = {}): Promise<void> {
    const max = deps.maxVersions;
    await deps.db.transaction().execute(async (trx) => {
      const r = createWorkflowRepo(trx);
      await r.save(wf, origin);
      await r.setTokens(wf.id, tokens, wf.updatedAt);
      // The cap applies as each version is saved, in the same transaction as the save.
      if (max) await r.deleteVersions(wf.id, versionsOverCap(await r.versionNumbers(wf.id), max, await r.versionsInUse(wf.id), wf.version));
    });
    changed(wf.id);
  }

  /** Settings a save refuses even in a draft: a concurrency key that cannot compile would put every run in the default group. */
  function checkSettings(settings: WorkflowSettings | undefined): void {
    const issues = settingsIssues(settings);
    if (issues.length) throw new AppError('VALIDATION_FAILED', 'the workflow settings are invalid', { details: issues });
  }

  async function validateForActivation(wf: { nodes: WorkflowNode[]; edges: WorkflowRecord['edges']; settings?: WorkflowSettings }) {
    // Expressions are compiled here (never run): one that cannot compile would fail every run.
    // A trigger kind may check its own fields again (the poller, with the sandbox's rules): one
    // fault per path, the shared wording first, as the editor shows it.
    const issues: Issue[] = [];
    const seen = new Set<string>();
    for (const i of [...validateGraph(wf), ...expressionIssues(wf, jsonata), ...settingsIssues(wf.settings), ...(await deps.activator.validate(wf))]) {
      if (i.path.includes('.config.') && seen.has(i.path)) continue;
      seen.add(i.path);
      issues.push(i);
    }
    if (issues.length) throw new AppError('VALIDATION_FAILED', 'the workflow cannot be activated', { details: issues });
  }

  /** The first of `<name>`, `<name> (copy)`, `<name> (copy 2)`, … (from the `from`th) that no workflow has. */
  async function freeName(name: string, from: number): Promise<string> {
    const candidates = Array.from({ length: 50 }, (_, i) => i + from).map((n) => (n === 0 ? name : `${name} (copy${n === 1 ? '' : ` ${n}`})`));
    const taken = new Set((await deps.db.selectFrom('workflows').select('name').where('name', 'in', candidates).execute()).map((r) => r.name));
    return candidates.find((c) => !taken.has(c)) ?? `${name} (copy ${deps.clock.now()})`;
  }

  /** `origin.by`: who saves (recorded with the version, shown in its history). */
  async function create(draft: WorkflowDraft, origin: SaveOrigin = {}): Promise<Workflow> {
    checkSettings(draft.settings);
    const now = deps.clock.now();
    const { nodes, tokens } = assignTokens(draft.nodes, new Set());
    const wf: WorkflowRecord = { id: newId('wf', now), name: draft.name, active: false, version: 1, nodes, edges: draft.edges, settings: draft.settings ?? {}, createdAt: now, updatedAt: now };
    await persist(wf, tokens, origin);
    return present(wf);
  }

  /** Saves a new version. An active workflow must stay runnable, so its new version is validated and re-armed. */
  async function update(id: string, draft: WorkflowDraft, origin: SaveOrigin = {}): Promise<Workflow> {
    const cur = await require(id);
    checkSettings(draft.settings);
    const { nodes, tokens } = assignTokens(draft.nodes, await ownedTokens(id));
    const next: WorkflowRecord = { ...cur, name: draft.name, nodes, edges: draft.edges, settings: draft.settings ?? cur.settings, version: cur.version + 1, updatedAt: deps.clock.now() };
    if (cur.active) await validateForActivation(next);
    await persist(next, tokens, origin);
    if (next.active) await deps.activator.arm(next);
    return present(next);
  }

  return {
    create,
    get: async (id: string) => present(await require(id)),
    record: require,

    async list(q: { limit: number; cursor?: string; q?: string }): Promise<{ items: WorkflowListItem[]; nextCursor: string | null }> {
      const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
      const rows = await repo.list({ limit: q.limit + 1, ...(cursor ? { cursor } : {}), ...(q.q ? { q: q.q } : {}) });
      const page = rows.slice(0, q.limit);
      const latest = await deps.executions.latestFor(page.map((w) => w.id));
      const items = page.map((w) => {
        const trig = findTrigger(w.nodes);
        const last = latest.get(w.id);
        return {
          id: w.id,
          name: w.name,
          active: w.active,
          version: w.version,
          triggerType: trig?.type ?? null,
          lastExecution: last ? { id: last.id, status: last.status, createdAt: iso(last.created_at)!, finishedAt: iso(last.finished_at) } : null,
          createdAt: iso(w.createdAt)!,
          updatedAt: iso(w.updatedAt)!,
        };
      });
      const lastRow = page[page.length - 1];
      return { items, nextCursor: rows.length > q.limit && lastRow ? encodeCursor(lastRow.updatedAt, lastRow.id) : null };
    },

    update,

    async remove(id: string): Promise<void> {
      await require(id);
      await deps.activator.disarm(id, { clearState: true });
      await repo.delete(id);
      changed(id);
    },

    async activate(id: string): Promise<Workflow> {
      const wf = await require(id);
      await validateForActivation(wf);
      const next = { ...wf, active: true, updatedAt: deps.clock.now() };
      await repo.setActive(id, true, next.updatedAt);
      changed(id);
      try {
        await deps.activator.arm(next);
      } catch (err) {
        await repo.setActive(id, false, deps.clock.now());
        changed(id);
        throw err;
      }
      return present(next);
    },

    async deactivate(id: string): Promise<Workflow> {
      const wf = await require(id);
      const next = { ...wf, active: false, updatedAt: deps.clock.now() };
      await repo.setActive(id, false, next.updatedAt);
      changed(id);
      await deps.activator.disarm(id, { clearState: true });
      return present(next);
    },

    /**
     * A portable document: no ids, no tokens, no activity; credentials are referenced by id, and
     * `requires` lists the variables and credentials it needs (names and types, never values).
     */
    async export(id: string) {
      const wf = await require(id);
      const nodes = withoutTokens(wf.nodes);
      const requires = deps.requirements ? { requires: await deps.requirements.of(nodes) } : {};
      return { format: EXPORT_FORMAT, exportedAt: new Date(deps.clock.now()).toISOString(), workflow: { name: wf.name, nodes, edges: wf.edges, settings: wf.settings }, ...requires };
    },

    /**
     * An import whose name is taken becomes "<name> (copy)", then "(copy 2)", …: two never look alike
     * in the list. Credential references are mapped (workflow-requirements.ts) and the workflow is
     * answered with `import`: what was mapped and which credentials and variables are missing.
     */
    async importDocument(doc: WorkflowDraft, origin: SaveOrigin = {}, opts: ImportOptions = { credentialMap: {} }): Promise<Workflow & { import?: ImportReport }> {
      const resolved = deps.requirements ? await deps.requirements.resolve(doc.nodes, opts) : undefined;
      const wf = await create({ ...doc, nodes: resolved?.nodes ?? doc.nodes, name: await freeName(doc.name, 0) }, origin);
      return resolved ? { ...wf, import: resolved.report } : wf;
    },

    async duplicate(id: string, origin: SaveOrigin = {}): Promise<Workflow> {
      const wf = await require(id);
      return create({ name: await freeName(wf.name, 1), nodes: wf.nodes, edges: wf.edges, settings: wf.settings }, origin);
    },

    ...createVersionHistory({ repo, require, update, withoutTokens }),

    listActive: () => repo.listActive(),
    getVersion: (id: string, version: number) => repo.getVersion(id, version),
  };
}
export type WorkflowService = ReturnType<typeof createWorkflowService>;

function encodeCursor(updatedAt: number, id: string): string {
  return Buffer.from(`${updatedAt}:${id}`).toString('base64url');
}
function decodeCursor(cursor: string): { updatedAt: number; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split(':');
  const updatedAt = Number(at);
  if (!id || !Number.isFinite(updatedAt)) throw new AppError('VALIDATION_FAILED', 'invalid cursor', { details: [{ path: 'cursor', message: 'invalid cursor' }] });
  return { updatedAt, id };
}
