/**
 * The condition builder's model and its JSONata: rows of value · operator · value joined by all
 * (`and`) or any (`or`). `toJsonata` writes the expression the field stores; `fromJsonata` reads
 * back exactly what `toJsonata` writes (anything else stays an expression, edited as text).
 */
export type Operator = 'eq' | 'ne' | 'contains' | 'startsWith' | 'gt' | 'lt' | 'empty' | 'exists' | 'regex';
export type ConditionRow = { left: string; op: Operator; right: string };
export type Conditions = { join: 'and' | 'or'; rows: ConditionRow[] };

export const OPERATORS: readonly { op: Operator; label: string; unary?: true }[] = [
  { op: 'eq', label: 'equals' },
  { op: 'ne', label: 'does not equal' },
  { op: 'contains', label: 'contains' },
  { op: 'startsWith', label: 'starts with' },
  { op: 'gt', label: 'is greater than' },
  { op: 'lt', label: 'is less than' },
  { op: 'empty', label: 'is empty', unary: true },
  { op: 'exists', label: 'exists', unary: true },
  { op: 'regex', label: 'matches regex' },
];
export const isUnary = (op: Operator) => OPERATORS.find((o) => o.op === op)?.unary === true;

/** A typed value as JSONata: numbers, true/false and null as they are, anything else a string. */
export function literal(text: string): string {
  const t = text.trim();
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(t) || t === 'true' || t === 'false' || t === 'null') return t;
  return JSON.stringify(text);
}

/** The inverse of `literal` for what it writes. */
function unliteral(js: string): string | undefined {
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(js) || js === 'true' || js === 'false' || js === 'null') return js;
  if (js.startsWith('"')) {
    try {
      const v: unknown = JSON.parse(js);
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const regexLiteral = (source: string) => `/${source.replace(/\//g, '\\/')}/`;

export function rowToJsonata({ left, op, right }: ConditionRow): string {
  const l = left.trim() || '$missing';
  switch (op) {
    case 'eq':
      return `${l} = ${literal(right)}`;
    case 'ne':
      return `${l} != ${literal(right)}`;
    case 'contains':
      return `$contains($string(${l}), ${JSON.stringify(right)})`;
    case 'startsWith':
      return `$substring($string(${l}), 0, ${[...right].length}) = ${JSON.stringify(right)}`;
    case 'gt':
      return `${l} > ${literal(right)}`;
    case 'lt':
      return `${l} < ${literal(right)}`;
    case 'empty':
      return `($not($exists(${l})) or ${l} = "" or ${l} = null)`;
    case 'exists':
      return `$exists(${l})`;
    case 'regex':
      return `$contains($string(${l}), ${regexLiteral(right)})`;
  }
}

export function toJsonata(c: Conditions): string {
  const parts = c.rows.map(rowToJsonata);
  if (parts.length <= 1) return parts[0] ?? '';
  return parts.map((p) => (p.startsWith('(') ? p : `(${p})`)).join(` ${c.join} `);
}

/** Splits `s` on top-level ` and `/` or ` (outside parentheses, strings and regexes). */
function splitTop(s: string, word: 'and' | 'or'): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === '\\') i++;
    } else if (ch === '/' && depth > 0 && /[,(]\s*$/.test(s.slice(0, i))) {
      for (i++; i < s.length && s[i] !== '/'; i++) if (s[i] === '\\') i++;
    } else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && s.startsWith(` ${word} `, i)) {
      out.push(s.slice(from, i));
      from = i + word.length + 2;
      i = from - 1;
    }
  }
  out.push(s.slice(from));
  return out;
}

const PATH = String.raw`([A-Za-z_$\`][^\s()=!<>,]*)`;
const LIT = String.raw`(-?\d[\d.eE+-]*|true|false|null|"(?:[^"\\]|\\.)*")`;
const STR = String.raw`("(?:[^"\\]|\\.)*")`;
const ROW_PATTERNS: [RegExp, (m: RegExpMatchArray) => ConditionRow | undefined][] = [
  [new RegExp(`^\\(\\$not\\(\\$exists\\(${PATH}\\)\\) or (\\S+) = "" or (\\S+) = null\\)$`), (m) => (m[2] === m[1] && m[3] === m[1] ? { left: m[1]!, op: 'empty', right: '' } : undefined)],
  [new RegExp(`^\\$exists\\(${PATH}\\)$`), (m) => ({ left: m[1]!, op: 'exists', right: '' })],
  [new RegExp(`^\\$contains\\(\\$string\\(${PATH}\\), ${STR}\\)$`), (m) => ({ left: m[1]!, op: 'contains', right: JSON.parse(m[2]!) as string })],
  [new RegExp(`^\\$contains\\(\\$string\\(${PATH}\\), /((?:[^/\\\\]|\\\\.)*)/\\)$`), (m) => ({ left: m[1]!, op: 'regex', right: m[2]!.replace(/\\\//g, '/') })],
  [
    new RegExp(`^\\$substring\\(\\$string\\(${PATH}\\), 0, (\\d+)\\) = ${STR}$`),
    (m) => {
      const right = JSON.parse(m[3]!) as string;
      return [...right].length === Number(m[2]) ? { left: m[1]!, op: 'startsWith', right } : undefined;
    },
  ],
  [new RegExp(`^${PATH} (=|!=|>|<) ${LIT}$`), (m) => {
    const right = unliteral(m[3]!);
    const op = ({ '=': 'eq', '!=': 'ne', '>': 'gt', '<': 'lt' } as const)[m[2] as '=' | '!=' | '>' | '<'];
    return right === undefined ? undefined : { left: m[1]!, op, right };
  }],
];

function parseRow(text: string): ConditionRow | undefined {
  for (const [re, build] of ROW_PATTERNS) {
    const m = text.match(re);
    if (m) return build(m);
  }
  return undefined;
}

/** The builder's model of `expression` if it is one the builder wrote; undefined for anything else. */
export function fromJsonata(expression: string): Conditions | undefined {
  const text = expression.trim();
  if (text === '') return { join: 'and', rows: [] };
  for (const join of ['and', 'or'] as const) {
    const parts = splitTop(text, join);
    if (parts.length < 2) continue;
    const rows = parts.map((p) => {
      const t = p.trim();
      const inner = t.startsWith('(') && t.endsWith(')') && !t.startsWith('($not') ? t.slice(1, -1) : t;
      return parseRow(inner);
    });
    if (rows.every((r): r is ConditionRow => r !== undefined)) {
      const back: Conditions = { join, rows };
      return toJsonata(back) === text ? back : undefined;
    }
    return undefined;
  }
  const row = parseRow(text);
  return row && toJsonata({ join: 'and', rows: [row] }) === text ? { join: 'and', rows: [row] } : undefined;
}
