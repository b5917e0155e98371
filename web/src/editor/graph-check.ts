/**
 * The editor's whole-graph check: the validator the server runs at activation, plus the compile
 * check of every expression (shared/graph/expressions.ts) once JSONata has loaded. JSONata comes
 * in lazily, as for the field previews, so the first paint does not wait for it; `compilerReady`
 * resolves when expression faults can be found too.
 */
import { expressionIssues, type CompileFn } from '#shared/graph/expressions.ts';
import { validateGraph, type GraphInput } from '#shared/graph/validate.ts';
import type { Issue } from '#shared/issues.ts';

let compile: CompileFn | undefined;
export const compilerReady: Promise<void> = import('jsonata').then(
  (m) => void (compile = m.default as unknown as CompileFn),
  () => undefined, // without it, the server still refuses broken expressions at activation
);

export function checkGraph(doc: GraphInput): Issue[] {
  return compile ? [...validateGraph(doc), ...expressionIssues(doc, compile)] : validateGraph(doc);
}
