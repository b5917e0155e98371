/**
 * Static checks on a parsed JSONata AST: names that lead to prototypes are refused outright, and
 * constructs whose stock implementation can stall in one native loop are flagged for the worker.
 */

/** Property names that reach prototypes or constructors in JavaScript. Never data worth reading. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * `isolate`: must run in the killable worker. `forbidden`: the message for the first refused
 * construct, or null. `callees`: the AST nodes that calls evaluate to get their function.
 */
export type Analysis = { isolate: boolean; forbidden: string | null; callees: object[] };

type Node = { type?: unknown; value?: unknown; lhs?: unknown; arguments?: unknown; tuple?: unknown; procedure?: unknown };

const isCloneVariable = (v: unknown) => (v as Node | null)?.type === 'variable' && (v as Node).value === 'clone';

/**
 * Walks every object in the AST generically rather than per node type, so a node shape we did
 * not anticipate (predicates, group-by, transforms, lambdas' bodies) is still covered.
 */
export function analyze(ast: unknown): Analysis {
  const result: Analysis = { isolate: false, forbidden: null, callees: [] };
  const seen = new Set<object>();
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (node instanceof RegExp) {
      result.isolate = true;
      continue;
    }
    const n = node as Node;
    // Native work the per-node clock check cannot interrupt: a regex can backtrack for hours;
    // `*` and tuple streams (`@$x`, `#$i`) concatenate arrays in a loop, quadratic in the input
    // (a 780 KB webhook body made `input.body.*` block for 7 s).
    if (n.type === 'regex' || n.type === 'wildcard' || n.tuple === true) result.isolate = true;
    // `name` is a path step (`a.constructor`, `` a.`__proto__` ``); a `__proto__` string is refused
    // anywhere because no legitimate expression needs it and object keys are built from strings.
    if (result.forbidden === null && typeof n.value === 'string') {
      if (n.type === 'name' && FORBIDDEN_KEYS.has(n.value)) result.forbidden = forbiddenMessage(n.value);
      else if (n.type === 'string' && n.value === '__proto__') result.forbidden = forbiddenMessage(n.value);
    }
    // What a call invokes; the sandbox checks it really is a function (see sandbox.ts onExit).
    if ((n.type === 'function' || n.type === 'partial') && n.procedure !== null && typeof n.procedure === 'object') result.callees.push(n.procedure);
    // The transform operator (`~> | … |`) copies its input with whatever `$clone` is in scope; a
    // user-defined one could hand it the bound data itself to modify in place.
    if (result.forbidden === null) {
      const rebinds = (n.type === 'bind' && isCloneVariable(n.lhs)) || (n.type === 'lambda' && Array.isArray(n.arguments) && n.arguments.some(isCloneVariable));
      if (rebinds) result.forbidden = 'Redefining $clone is not allowed in expressions';
    }
    for (const key in node) {
      if (Object.prototype.hasOwnProperty.call(node, key)) stack.push((node as Record<string, unknown>)[key]);
    }
  }
  return result;
}

export function forbiddenMessage(name: string): string {
  return `Access to "${name}" is not allowed in expressions`;
}
