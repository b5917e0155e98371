/**
 * Compiles and runs one JSONata expression on the main thread under the sandbox: time, depth and
 * size limits, guarded built-ins, checked callees, a plain-data result.
 */
import jsonata from 'jsonata';
import { analyze } from './analyze.ts';
import { expressionFailure, toExpressionFailure } from './failure.ts';
import { loadOriginals, overrideBuiltins, STATE_KEY, type EvalState } from './builtins.ts';
import { MAX_SEQUENCE, type Limits } from './limits.ts';
import { isJsonataFunction, toPlain, weigh } from './weigh.ts';

export type Compiled = {
  expr: jsonata.Expression;
  /** Holds something that could stall natively (a regex, `*`, a tuple stream): runs in the worker. */
  isolate: boolean;
};

export type RunResult = { kind: 'value'; value: unknown } | { kind: 'needs-worker' };

/**
 * Every regex literal is routed to the worker before evaluation, so a RegExp built here means a
 * path we did not foresee: refuse it rather than risk a native stall on the main thread.
 */
const RefuseRegExp = function RefuseRegExp(): never {
  throw expressionFailure('EXPRESSION_FORBIDDEN', 'Regular expressions cannot run here');
} as unknown as RegExpConstructor;

/** Parses and checks an expression; throws an ExpressionFailure (syntax or forbidden). */
export function compile(source: string, limits: Limits): Compiled {
  const options = { timeout: limits.timeoutMs, stack: limits.maxDepth, sequence: MAX_SEQUENCE, RegexEngine: RefuseRegExp };
  let expr: jsonata.Expression;
  try {
    expr = jsonata(source, options);
  } catch (err) {
    throw toExpressionFailure(err, limits);
  }
  const { isolate, forbidden, callees } = analyze(expr.ast());
  if (forbidden !== null) throw expressionFailure('EXPRESSION_FORBIDDEN', forbidden);
  for (const c of callees) CALLEES.add(c);
  overrideBuiltins(expr);
  expr.assign(EXIT_HOOK as unknown as string, onExit);
  return { expr, isolate };
}

const EXIT_HOOK = Symbol.for('jsonata.__evaluate_exit');

/** AST nodes in call position (`x()`): JSONata writes `token`/`position` onto whatever they yield. */
const CALLEES = new WeakSet<object>();

type Env = { base: { lookup(name: string): unknown } };

/**
 * Runs after every AST node. No intermediate value may outgrow the budget, so a few bytes cannot
 * be amplified (by repetition, doubling or sharing) into an out-of-memory `$string` or `&`. And a
 * call may only invoke a real function: JSONata labels the callee before checking it, which
 * would write into the bound data (`input.body()`), and data can forge function markers.
 */
function onExit(expr: object, _input: unknown, env: Env, result: unknown): void {
  if (result === null || result === undefined) return;
  const t = typeof result;
  if (t === 'object' && CALLEES.has(expr)) {
    const seq = result as unknown[] & { sequence?: boolean };
    const callee = Array.isArray(seq) && seq.sequence === true && seq.length === 1 ? seq[0] : result;
    if (typeof callee === 'object' && !isJsonataFunction(callee)) {
      throw expressionFailure('EXPRESSION_FAILED', 'Attempted to invoke a non-function');
    }
  }
  if (t !== 'string' && t !== 'object') return;
  const state = env.base.lookup(STATE_KEY) as EvalState | undefined;
  if (!state) return;
  const size = t === 'string' ? (result as string).length : weigh(result);
  if (size > state.budget) {
    throw expressionFailure('EXPRESSION_TOO_LARGE', `Expression built a value larger than ${state.limits.maxOutputBytes} bytes`);
  }
}

/** Evaluates with fresh per-call state; the compiled expression stays shareable between calls. */
export async function run(compiled: Compiled, data: unknown, limits: Limits): Promise<RunResult> {
  const loading = loadOriginals();
  if (loading) await loading;
  // Values may grow up to the size of everything bound plus the output budget; the bound data
  // itself is always allowed through (a path may walk a large `steps` to pick one field).
  const state: EvalState = { limits, budget: limits.maxOutputBytes + weigh(data), deadline: Date.now() + limits.timeoutMs, needsWorker: false };
  let result: unknown;
  try {
    result = await compiled.expr.evaluate(data, { [STATE_KEY]: state });
  } catch (err) {
    if (state.needsWorker) return { kind: 'needs-worker' };
    throw toExpressionFailure(err, limits);
  }
  if (state.needsWorker) return { kind: 'needs-worker' };
  if (isJsonataFunction(result)) {
    throw expressionFailure('EXPRESSION_FAILED', 'Expression evaluated to a function, not a value (call it with parentheses)');
  }
  return { kind: 'value', value: toPlain(result, limits.maxOutputBytes) };
}
