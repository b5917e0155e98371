/** The test poll's request and response (`POST /api/workflows/:id/nodes/:nodeId/test-poll`), shared by the server and the editor. */
import { z } from 'zod';

export const TestPollBody = z.object({ config: z.record(z.string(), z.unknown()).optional() }).default({});

export const PollTestResult = z.object({
  status: z.number().nullable().optional(),
  /** The first items (at most 100), each with its key; `keyed: false` when the content hash is the key. */
  items: z.array(z.object({ key: z.string(), item: z.unknown(), keyed: z.boolean().optional() })),
  /** How many items the API listed; `items` may hold only the first of them. */
  total: z.number().optional(),
  /** What the `items` expression found: nothing (undefined, null, an empty list), a list, or one value. */
  found: z.enum(['nothing', 'list', 'single']).optional(),
  /** How many of all the items had no usable key (the content hash stands in: dedupe per whole item). */
  unkeyed: z.number().optional(),
  /** The response `items` was evaluated over: the body as pretty JSON (or text), cut when long. */
  response: z
    .object({
      status: z.number(),
      headers: z.record(z.string(), z.string()),
      body: z.string(),
      truncated: z.boolean(),
      /** Paths to the non-empty lists in the body, candidates for `items` (e.g. `body.data`). */
      lists: z.array(z.string()),
    })
    .nullable()
    .optional(),
});
export type PollTestResult = z.infer<typeof PollTestResult>;
