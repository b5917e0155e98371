/** Resource limits for one expression evaluation, shared by the main thread and the regex worker. */

export type Limits = {
  /** Wall-clock budget for one evaluation. */
  timeoutMs: number;
  /** JSONata evaluation depth (nesting and non-tail recursion). */
  maxDepth: number;
  /** Size of a result, and of any value built on the way beyond the size of the bound data (JSON bytes, roughly). */
  maxOutputBytes: number;
};

export const DEFAULT_LIMITS: Limits = { timeoutMs: 1000, maxDepth: 500, maxOutputBytes: 10 * 1024 * 1024 };

/**
 * Longest sequence JSONata may build (`[1..n]`, path results). Interpreted JSONata manages well
 * under a million steps a second, so longer sequences could not be processed in the time budget
 * anyway; and one native call over them ($zip, $distinct…) must stay a small slice of it, since
 * the clock is only checked between calls.
 */
export const MAX_SEQUENCE = 500_000;
