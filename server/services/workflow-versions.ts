/**
 * Version history of a workflow: the list (who, when, what changed against the version before),
 * one version, the diff between two, restoring one as a new version, and the optional cap
 * (WORKFLOW_VERSIONS_MAX). Every save is a version (workflow.repo.ts save); nothing here edits one.
 */
import { AppError } from '#shared/errors.ts';
import type { VersionList, VersionListItem } from '#shared/api/versions.ts';
import { diffVersions as diffSnapshots, summarizeDiff, type WorkflowDiff } from '#shared/graph/diff.ts';
import type { Workflow, WorkflowDraft, WorkflowNode, WorkflowVersion } from '#shared/workflow.ts';
import type { SaveOrigin, VersionRecord, WorkflowRecord, WorkflowRepo } from '../db/repos/workflow.repo.ts';
import { iso } from '../lib/clock.ts';

export type VersionDiff = WorkflowDiff & { workflowId: string; from: number; to: number };

/**
 * The versions to delete so that at most `max` are kept: the newest `max`, and beyond them only
 * those an execution still references (its retry and its view need the graph it ran). The current
 * version is the newest, so it is always kept; it is also the one that runs while the workflow is
 * active. `numbers` is newest first.
 */
export function versionsOverCap(numbers: number[], max: number, inUse: Set<number>, current: number): number[] {
  return numbers.slice(max).filter((v) => v !== current && !inUse.has(v));
}

export function createVersionHistory(deps: {
  repo: WorkflowRepo;
  require(id: string): Promise<WorkflowRecord>;
  update(id: string, draft: WorkflowDraft, origin: SaveOrigin): Promise<Workflow>;
  withoutTokens(nodes: WorkflowNode[]): WorkflowNode[];
}) {
  const { repo } = deps;

  async function requireVersion(id: string, version: number, path = 'version'): Promise<VersionRecord> {
    const v = await repo.getVersion(id, version);
    if (!v) throw new AppError('NOT_FOUND', `workflow ${id} has no version ${version}`, { details: [{ path, message: 'no such version' }] });
    return v;
  }

  function summaryOf(v: VersionRecord, previous: VersionRecord | undefined): string {
    const restored = v.restoredFrom ? `restored from v${v.restoredFrom}` : '';
    if (!previous) {
      const nodes = `${v.nodes.length} node${v.nodes.length === 1 ? '' : 's'}`;
      const first = v.version === 1 ? `created with ${nodes}` : `${nodes} (earlier versions not kept)`;
      return restored ? `${restored}; ${first}` : first;
    }
    const changes = summarizeDiff(diffSnapshots(previous, v));
    return restored ? `${restored}: ${changes}` : changes;
  }

  return {
    /** Newest first, each summarised against the kept version before it. */
    async listVersions(id: string, q: { limit: number; cursor?: number }): Promise<VersionList> {
      const wf = await deps.require(id);
      // One more than the page, to compare the page's oldest with its predecessor.
      const rows = await repo.listVersions(id, { limit: q.limit + 1, ...(q.cursor !== undefined ? { before: q.cursor } : {}) });
      const page = rows.slice(0, q.limit);
      const items: VersionListItem[] = page.map((v, i) => {
        const previous = rows[i + 1];
        return {
          version: v.version,
          name: v.name,
          savedAt: iso(v.createdAt)!,
          savedBy: v.createdBy,
          summary: summaryOf(v, previous),
          previous: previous?.version ?? null,
          nodeCount: v.nodes.length,
          isCurrent: v.version === wf.version,
          restoredFrom: v.restoredFrom,
        };
      });
      const last = page[page.length - 1];
      return { items, nextCursor: rows.length > q.limit && last ? String(last.version) : null };
    },

    /** One saved version, as its executions ran it; webhook tokens left out, as in an export. */
    async version(id: string, version: number): Promise<WorkflowVersion> {
      await deps.require(id);
      const v = await requireVersion(id, version);
      return {
        workflowId: id,
        version: v.version,
        name: v.name,
        nodes: deps.withoutTokens(v.nodes),
        edges: v.edges,
        settings: v.settings,
        savedAt: iso(v.createdAt)!,
        savedBy: v.createdBy,
        restoredFrom: v.restoredFrom,
      };
    },

    /** What changed from version `a` to version `b` (either order; the same as `b` to `a` mirrored). */
    async diffVersions(id: string, a: number, b: number): Promise<VersionDiff> {
      await deps.require(id);
      const [from, to] = [await requireVersion(id, a, 'a'), await requireVersion(id, b, 'b')];
      // Tokens out on both sides: a webhook's secret never appears in a diff.
      const diff = diffSnapshots({ ...from, nodes: deps.withoutTokens(from.nodes) }, { ...to, nodes: deps.withoutTokens(to.nodes) });
      return { workflowId: id, from: a, to: b, ...diff };
    },

    /**
     * Saves version `version`'s graph as a new version, exactly as a save from the editor would
     * (an active workflow's new version must validate, and is armed); older versions stay as they are.
     */
    async restoreVersion(id: string, version: number, by: string | null): Promise<Workflow> {
      await deps.require(id);
      const v = await requireVersion(id, version);
      return deps.update(id, { name: v.name, nodes: v.nodes, edges: v.edges, settings: v.settings }, { by, restoredFrom: version });
    },
  };
}
