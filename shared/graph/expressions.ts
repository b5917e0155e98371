/**
 * Expression faults of a workflow, found before it runs: every JSONata field (a condition, a
 * transform, a poll's items and key) and every `{{ … }}` inside any other config string is
 * compiled, and each that does not compile is reported with its path, as activation and the
 * editor report every other fault. Only compiled, never evaluated: nothing here runs user code.
 * The parser is passed in (`compile`), so the editor can load JSONata lazily and this folder stays
 * free of it; both sides pass JSONata's own.
 */
import { parseTemplate } from '../expressions/template.ts';
import type { Issue } from '../issues.ts';
import { getNodeDefinition } from '../nodes/registry.ts';
import type { GraphInput } from './validate.ts';

/** JSONata's compile step: throws (an object with `message` and `position`) on a syntax error. */
export type CompileFn = (source: string) => unknown;

/** What people type from JavaScript, and what JSONata spells instead. */
const JS_OPERATORS: readonly [RegExp, string][] = [
  [/===|!==|==/, 'JSONata compares with = and != (not ==, === or !==)'],
  [/&&/, 'JSONata writes "and" for &&'],
  [/\|\|/, 'JSONata writes "or" for ||'],
];

/** How every compile fault's message starts. */
export const COMPILE_FAULT = 'expression does not compile: ';

/** One wording for a fault, wherever it is shown: the toolbar, the node, the field, the API. */
export function describeCompileError(source: string, err: unknown): string {
  const e = (err ?? {}) as { message?: unknown; position?: unknown };
  const what = typeof e.message === 'string' && e.message ? e.message : String(err);
  const at = typeof e.position === 'number' ? ` at character ${e.position}` : '';
  const hint = JS_OPERATORS.find(([re]) => re.test(source))?.[1];
  return `${COMPILE_FAULT}${what}${at}${hint ? ` (${hint})` : ''}`;
}

function compileIssue(compile: CompileFn, source: string, path: string): Issue | undefined {
  try {
    compile(source);
    return undefined;
  } catch (err) {
    return { path, message: describeCompileError(source, err) };
  }
}

/** Faults of every `{{ … }}` in `value` (strings anywhere inside objects and arrays). */
function templateIssues(compile: CompileFn, value: unknown, path: string, out: Issue[]): void {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return;
    for (const part of parseTemplate(value)) {
      if (part.kind !== 'expr') continue;
      const issue = part.source === '' ? { path, message: 'an empty {{ }} has no expression in it' } : compileIssue(compile, part.source, path);
      if (issue) {
        out.push(issue);
        return; // one fault per field is enough to point at it
      }
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => templateIssues(compile, v, `${path}.${i}`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) templateIssues(compile, v, `${path}.${k}`, out);
  }
}

/** Every expression fault of `doc`, each with its path (`nodes.<i>.config.<field>[.<key>…]`). */
export function expressionIssues(doc: GraphInput, compile: CompileFn): Issue[] {
  const out: Issue[] = [];
  doc.nodes.forEach((node, i) => {
    const def = getNodeDefinition(node.type);
    const config = (node.config ?? {}) as Record<string, unknown>;
    const ui = (def?.ui ?? {}) as Record<string, { syntax?: string; widget?: string } | undefined>;
    for (const [key, value] of Object.entries(config)) {
      const path = `nodes.${i}.config.${key}`;
      const hint = ui[key];
      if (hint?.widget === 'cases' && Array.isArray(value)) {
        // A switch's cases: each one's condition is bare JSONata; its name is plain text.
        value.forEach((c: unknown, j) => {
          const condition = c && typeof c === 'object' ? (c as { condition?: unknown }).condition : undefined;
          if (typeof condition !== 'string' || condition.trim() === '') return;
          const issue = compileIssue(compile, condition, `${path}.${j}.condition`);
          if (issue) out.push(issue);
        });
      } else if (hint?.syntax === 'jsonata') {
        if (typeof value !== 'string' || value.trim() === '') continue; // the schema reports a missing one
        const issue = compileIssue(compile, value, path);
        if (issue) out.push(issue);
      } else {
        templateIssues(compile, value, path, out);
      }
    }
  });
  return out;
}
