/**
 * Finds and resolves `{{ … }}` templates in config values. Pure and browser-safe: the expression
 * language is passed in as `evaluate`, so the editor and the engine share one parser.
 */
import { ExpressionError } from '../errors.ts';

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'expr'; source: string };

export type EvaluateFn = (expression: string) => Promise<unknown>;

// Characters after which `/` starts a JSONata regex rather than dividing (JSONata's own rule:
// a regex may only appear where an operand is expected).
const OPERAND_EXPECTED = new Set(['', '(', '[', '{', ',', ':', ';', '?', '=', '!', '<', '>', '+', '-', '*', '%', '&', '|', '~', '^']);

/** Index just past a quoted string or backtick name starting at `i`, or -1 when it never closes. */
function skipQuoted(s: string, i: number): number {
  const quote = s[i];
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === '\\' && quote !== '`') j++;
    else if (c === quote) return j + 1;
  }
  return -1;
}

/** Index just past a regex literal (and its flags) starting at `i`, or -1. */
function skipRegex(s: string, i: number): number {
  let inClass = false;
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') j++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) {
      let k = j + 1;
      while (s[k] === 'i' || s[k] === 'm') k++;
      return k;
    }
  }
  return -1;
}

/**
 * Finds the `}}` closing a template opened just before `from`. Braces inside the expression
 * (object constructors, `{"a": {"b": 1}}`), strings, comments and regexes do not count.
 */
function findClose(s: string, from: number): number {
  let depth = 0;
  let prev = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === "'" || c === '`') {
      const end = skipQuoted(s, i);
      if (end === -1) return -1;
      i = end - 1;
      prev = 'a';
      continue;
    }
    if (c === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2);
      if (end === -1) return -1;
      i = end + 1;
      continue;
    }
    if (c === '/' && OPERAND_EXPECTED.has(prev)) {
      const end = skipRegex(s, i);
      if (end === -1) return -1;
      i = end - 1;
      prev = 'a';
      continue;
    }
    if (c === '}') {
      if (depth === 0 && s[i + 1] === '}') return i;
      if (depth > 0) depth--;
    } else if (c === '{' || c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') prev = c;
  }
  return -1;
}

/** True when `s` holds at least one complete `{{ … }}`. */
export function hasTemplate(s: string): boolean {
  for (let open = s.indexOf('{{'); open !== -1; open = s.indexOf('{{', open + 1)) {
    if (findClose(s, open + 2) !== -1) return true;
  }
  return false;
}

/**
 * Splits `s` into literal text and expressions (trimmed, without braces). An unclosed `{{` is
 * literal text. Adjacent text is never split, so a string without templates is one text part.
 */
export function parseTemplate(s: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let pos = 0;
  for (let open = s.indexOf('{{'); open !== -1; open = s.indexOf('{{', open + 1)) {
    const close = findClose(s, open + 2);
    if (close === -1) continue;
    text += s.slice(pos, open);
    if (text) parts.push({ kind: 'text', text });
    text = '';
    parts.push({ kind: 'expr', source: s.slice(open + 2, close).trim() });
    pos = close + 2;
    open = pos - 1;
  }
  text += s.slice(pos);
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

/** How an interpolated value reads inside a longer string. */
function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'object') return JSON.stringify(v) ?? '';
  return '';
}

const MAX_QUOTED_SOURCE = 80;

function wrap(err: unknown, source: string, path: string): ExpressionError {
  if (err instanceof ExpressionError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const quoted = source.length > MAX_QUOTED_SOURCE ? `${source.slice(0, MAX_QUOTED_SOURCE)}…` : source;
  return new ExpressionError(`${message} in {{ ${quoted} }}`, { path, expression: source, cause: err });
}

async function run(source: string, evaluate: EvaluateFn, path: string): Promise<unknown> {
  try {
    return await evaluate(source);
  } catch (err) {
    throw wrap(err, source, path);
  }
}

async function resolveString(s: string, evaluate: EvaluateFn, path: string): Promise<unknown> {
  const parts = parseTemplate(s);
  const exprs = parts.filter((p) => p.kind === 'expr');
  if (exprs.length === 0) return s;
  // Exactly one expression and only whitespace around it: the value keeps its own type.
  if (exprs.length === 1 && parts.every((p) => p.kind === 'expr' || p.text.trim() === '')) {
    return run(exprs[0]!.source, evaluate, path);
  }
  let out = '';
  for (const p of parts) out += p.kind === 'text' ? p.text : asText(await run(p.source, evaluate, path));
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

/** True when a template sits anywhere in `value` (strings inside arrays and plain objects). */
function containsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{') && hasTemplate(value);
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (isPlainObject(value)) {
    for (const k in value) if (Object.prototype.hasOwnProperty.call(value, k) && containsTemplate(value[k])) return true;
  }
  return false;
}

async function resolveValue(value: unknown, evaluate: EvaluateFn, path: string): Promise<unknown> {
  if (typeof value === 'string') return resolveString(value, evaluate, path);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (!containsTemplate(child)) continue;
      const resolved = await resolveValue(child, evaluate, join(path, i));
      if (resolved !== child) (out ??= value.slice())[i] = resolved;
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    let out: Record<string, unknown> | undefined;
    for (const k of Object.keys(value)) {
      const child = value[k];
      if (!containsTemplate(child)) continue;
      const resolved = await resolveValue(child, evaluate, join(path, k));
      if (resolved !== child) {
        // defineProperty: a `__proto__` key stays an own key instead of setting a prototype.
        out ??= { ...value };
        Object.defineProperty(out, k, { value: resolved, enumerable: true, writable: true, configurable: true });
      }
    }
    return out ?? value;
  }
  return value;
}

/**
 * Resolves every templated string inside `value` (arrays and plain objects are walked, keys stay
 * as they are). Untouched branches keep their identity; with no template anywhere, `value`
 * itself comes back. Failures throw ExpressionError naming the field's dotted path.
 */
export async function resolveTemplates(value: unknown, evaluate: EvaluateFn, path = ''): Promise<unknown> {
  if (!containsTemplate(value)) return value;
  return resolveValue(value, evaluate, path);
}

/** Dotted paths of every templated string in `value` (for the editor's expression highlighting). */
export function collectTemplatePaths(value: unknown, path = ''): string[] {
  const out: string[] = [];
  const walk = (v: unknown, p: string): void => {
    if (typeof v === 'string') {
      if (v.includes('{{') && hasTemplate(v)) out.push(p);
    } else if (Array.isArray(v)) {
      v.forEach((child, i) => walk(child, join(p, i)));
    } else if (isPlainObject(v)) {
      for (const k of Object.keys(v)) walk(v[k], join(p, k));
    }
  };
  walk(value, path);
  return out;
}
