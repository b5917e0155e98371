/** Request and response shapes of the version history routes (`/api/workflows/:id/versions…`), shared by the server and the editor. */
import { z } from 'zod';
import { Limit, WorkflowVersionParams } from './schemas.ts';

/** A version number (in a path or the cursor): versions count from 1. */
const VersionNumber = WorkflowVersionParams.shape.version;

export const VersionPairParams = z.object({ a: VersionNumber, b: VersionNumber });

/** `GET …/versions?limit=&cursor=`: the cursor is the last version number of the page before. */
export const ListVersionsQuery = z.object({
  limit: Limit,
  cursor: VersionNumber.optional(),
});

/** One row of the history list. */
export const VersionListItem = z.object({
  version: z.number().int(),
  name: z.string(),
  savedAt: z.string(),
  /** Who saved it (an email); null for versions saved before authors were recorded. */
  savedBy: z.string().nullable(),
  /** Against the version before it that is still kept: "1 node added, 2 nodes changed". */
  summary: z.string(),
  /** The version it was compared with for `summary` (null for the first one kept). */
  previous: z.number().int().nullable(),
  nodeCount: z.number().int(),
  /** The workflow's current version (the one that runs while it is active). */
  isCurrent: z.boolean(),
  /** Set when this version was saved by restoring an older one. */
  restoredFrom: z.number().int().nullable(),
});
export type VersionListItem = z.infer<typeof VersionListItem>;

export const VersionList = z.object({ items: z.array(VersionListItem), nextCursor: z.string().nullable() });
export type VersionList = z.infer<typeof VersionList>;
