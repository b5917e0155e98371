/** SQL for workflows, their versions and webhook tokens. Rows <-> domain objects; no business rules here. */
import { sql, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import { Edge, WorkflowNode, WorkflowSettings, type WorkflowSnapshot } from '#shared/workflow.ts';
import type { Schema, WorkflowsTable, WorkflowVersionsTable } from '../schema.ts';

export type WorkflowRecord = WorkflowSnapshot & { active: boolean; createdAt: number; updatedAt: number };

/** One saved version as the history reads it: the snapshot, when it was saved and by whom. */
export type VersionRecord = WorkflowSnapshot & { createdAt: number; createdBy: string | null; restoredFrom: number | null };

/** Who saved a version, and whether it restores an older one. */
export type SaveOrigin = { by?: string | null; restoredFrom?: number | null };

const Nodes = z.array(WorkflowNode);
const Edges = z.array(Edge);
/** A stored settings object that no longer parses (a later release narrowed a field) must not make the workflow unreadable: it reads as none. */
const parseSettings = (json: string): WorkflowSettings => {
  const r = WorkflowSettings.safeParse(JSON.parse(json));
  return r.success ? r.data : {};
};

/** JSON columns are parsed with the shared schemas: a corrupt row fails loudly here. */
function toRecord(row: WorkflowsTable): WorkflowRecord {
  return {
    id: row.id,
    name: row.name,
    active: row.active === 1,
    version: row.version,
    nodes: Nodes.parse(JSON.parse(row.nodes)),
    edges: Edges.parse(JSON.parse(row.edges)),
    settings: parseSettings(row.settings),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toVersion(row: Selectable<WorkflowVersionsTable>): VersionRecord {
  return {
    id: row.workflow_id,
    version: row.version,
    name: row.name,
    nodes: Nodes.parse(JSON.parse(row.nodes)),
    edges: Edges.parse(JSON.parse(row.edges)),
    settings: parseSettings(row.settings),
    createdAt: row.created_at,
    createdBy: row.created_by,
    restoredFrom: row.restored_from,
  };
}

export function createWorkflowRepo(db: Kysely<Schema>) {
  return {
    async get(id: string): Promise<WorkflowRecord | undefined> {
      const row = await db.selectFrom('workflows').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    /** Newest first by update time; the cursor is `<updatedAt>:<id>` of the last item. */
    async list(opts: { limit: number; cursor?: { updatedAt: number; id: string }; q?: string }): Promise<WorkflowRecord[]> {
      let query = db.selectFrom('workflows').selectAll();
      if (opts.q) {
        // A literal, case-insensitive substring on both databases: % and _ typed are escaped (SQLite
        // needs the ESCAPE clause for that), and lower() on both sides (PostgreSQL's LIKE is case-sensitive).
        const pattern = `%${opts.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where(sql<boolean>`lower(name) like ${pattern} escape '\\'`);
      }
      if (opts.cursor) {
        const { updatedAt, id } = opts.cursor;
        query = query.where((eb) =>
          eb.or([eb('updated_at', '<', updatedAt), eb.and([eb('updated_at', '=', updatedAt), eb('id', '<', id)])]),
        );
      }
      const rows = await query.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
      return rows.map(toRecord);
    },

    async listActive(): Promise<WorkflowRecord[]> {
      const rows = await db.selectFrom('workflows').selectAll().where('active', '=', 1).execute();
      return rows.map(toRecord);
    },

    /** Inserts or replaces the workflow and records its version (versions are immutable), with who saved it and what it restored. */
    async save(wf: WorkflowRecord, origin: SaveOrigin = {}): Promise<void> {
      const nodes = JSON.stringify(wf.nodes);
      const edges = JSON.stringify(wf.edges);
      const settings = JSON.stringify(wf.settings);
      await db
        .insertInto('workflows')
        .values({
          id: wf.id,
          name: wf.name,
          active: wf.active ? 1 : 0,
          version: wf.version,
          nodes,
          edges,
          settings,
          created_at: wf.createdAt,
          updated_at: wf.updatedAt,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({ name: wf.name, active: wf.active ? 1 : 0, version: wf.version, nodes, edges, settings, updated_at: wf.updatedAt }),
        )
        .execute();
      await db
        .insertInto('workflow_versions')
        .values({ workflow_id: wf.id, version: wf.version, name: wf.name, nodes, edges, settings, created_at: wf.updatedAt, created_by: origin.by ?? null, restored_from: origin.restoredFrom ?? null })
        .onConflict((oc) => oc.columns(['workflow_id', 'version']).doNothing())
        .execute();
    },

    async setActive(id: string, active: boolean, updatedAt: number): Promise<void> {
      await db.updateTable('workflows').set({ active: active ? 1 : 0, updated_at: updatedAt }).where('id', '=', id).execute();
    },

    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom('workflows').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async getVersion(id: string, version: number): Promise<VersionRecord | undefined> {
      const row = await db
        .selectFrom('workflow_versions')
        .selectAll()
        .where('workflow_id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
      return row && toVersion(row);
    },

    /** Saved versions, newest first: those below `before` (a version number) when given. */
    async listVersions(id: string, opts: { limit: number; before?: number }): Promise<VersionRecord[]> {
      let q = db.selectFrom('workflow_versions').selectAll().where('workflow_id', '=', id);
      if (opts.before !== undefined) q = q.where('version', '<', opts.before);
      const rows = await q.orderBy('version', 'desc').limit(opts.limit).execute();
      return rows.map(toVersion);
    },

    /** The numbers of every saved version of a workflow, newest first. */
    async versionNumbers(id: string): Promise<number[]> {
      const rows = await db.selectFrom('workflow_versions').select('version').where('workflow_id', '=', id).orderBy('version', 'desc').execute();
      return rows.map((r) => r.version);
    },

    /** The versions some execution of the workflow ran (and may still need: retry, the execution view). */
    async versionsInUse(id: string): Promise<Set<number>> {
      const rows = await db.selectFrom('executions').select('workflow_version').distinct().where('workflow_id', '=', id).execute();
      return new Set(rows.map((r) => r.workflow_version));
    },

    async deleteVersions(id: string, versions: number[]): Promise<number> {
      if (!versions.length) return 0;
      const r = await db.deleteFrom('workflow_versions').where('workflow_id', '=', id).where('version', 'in', versions).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    /** Replaces the webhook tokens of a workflow with exactly `tokens`. */
    async setTokens(workflowId: string, tokens: { token: string; nodeId: string }[], now: number): Promise<void> {
      await db.deleteFrom('webhook_tokens').where('workflow_id', '=', workflowId).execute();
      if (tokens.length) {
        await db
          .insertInto('webhook_tokens')
          .values(tokens.map((t) => ({ token: t.token, workflow_id: workflowId, node_id: t.nodeId, created_at: now })))
          .execute();
      }
    },

    async tokenExists(token: string): Promise<boolean> {
      return !!(await db.selectFrom('webhook_tokens').select('token').where('token', '=', token).executeTakeFirst());
    },
  };
}
export type WorkflowRepo = ReturnType<typeof createWorkflowRepo>;
