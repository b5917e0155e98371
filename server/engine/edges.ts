/** When an edge carries data: the one rule shared by the executor and the execution detail view. */

/**
 * Active when the source succeeded (or errored with onError: continue) and took this edge's handle.
 * A stored handle of NULL means every out-edge; '' means none (a stopped branch or a stop-error).
 */
export function isEdgeActive(src: { status: string; handle: string | null }, sourceHandle: string | null | undefined): boolean {
  if (src.status !== 'success' && src.status !== 'error') return false;
  if (src.handle === null) return true;
  return src.handle !== '' && src.handle === (sourceHandle ?? src.handle);
}
