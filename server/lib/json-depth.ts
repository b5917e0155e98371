/** How deep a parsed JSON value nests: bodies past a limit are refused before anything walks them. */

/** Deepest JSON nesting an API body may have: JSON.parse takes any depth, but JSON.stringify and recursive walkers overflow the stack near a few thousand. */
export const MAX_JSON_DEPTH = 256;

/** True when `value` nests deeper than `max`. Iterative, so a hostile body cannot overflow the stack while being measured. */
export function exceedsDepth(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
