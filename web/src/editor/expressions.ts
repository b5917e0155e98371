/**
 * Expression support for the config panel: which fields are raw JSONata vs `{{ }}` templates,
 * the data an expression sees (`{ trigger, steps, input, execution, workflow, now, vars }` as in SPEC),
 * the paths the data picker offers, and a live preview evaluated with JSONata in the browser.
 */
import { hasTemplate, resolveTemplates } from '#shared/expressions/template.ts';
import { describeCompileError } from '#shared/graph/expressions.ts';
import type { FieldUi } from '#shared/nodes/define.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { FlowEdge, FlowNode } from './mapping.ts';

export { hasTemplate };

/**
 * Some expression fields hold bare JSONata (a condition, a transform); the rest are text with
 * `{{ }}` templates. The hints do not say which yet, so this reads an optional `syntax` hint
 * and falls back to the label and help text.
 */
export function isJsonataField(ui: FieldUi): boolean {
  const syntax = (ui as FieldUi & { syntax?: string }).syntax;
  if (syntax) return syntax === 'jsonata';
  return /jsonata/i.test(`${ui.label} ${ui.help ?? ''}`) || /^condition$/i.test(ui.label);
}

/** A key as JSONata needs it: bare when it is a plain name, else in backticks. */
export function pathSegment(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `\`${key.replace(/`/g, '')}\``;
}

export type PickerRow = { path: string; depth: number; label: string; preview: string; isLeaf: boolean };

function previewOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `array(${v.length})`;
  if (typeof v === 'object') return 'object';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 59)}…` : v);
  return String(v);
}

/** Flattens a value into picker rows (objects and arrays are rows too; arrays show their first item). */
export function flattenPaths(root: string, value: unknown, maxRows = 400, maxDepth = 7): PickerRow[] {
  const rows: PickerRow[] = [];
  const walk = (path: string, label: string, v: unknown, depth: number) => {
    if (rows.length >= maxRows) return;
    const isLeaf = v === null || typeof v !== 'object' || (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
    rows.push({ path, depth, label, preview: previewOf(v), isLeaf });
    if (isLeaf || depth >= maxDepth) return;
    if (Array.isArray(v)) walk(`${path}[0]`, '[0]', v[0], depth + 1);
    else for (const [k, child] of Object.entries(v as Record<string, unknown>)) walk(`${path}.${pathSegment(k)}`, k, child, depth + 1);
  };
  walk(root, root, value, 0);
  return rows;
}

/** The nodes upstream of `nodeId`, nearest first. */
export function upstreamOf(nodeId: string, edges: readonly FlowEdge[]): string[] {
  const parents = new Map<string, string[]>();
  for (const e of edges) parents.set(e.target, [...(parents.get(e.target) ?? []), e.source]);
  const seen = new Set<string>([nodeId]);
  const order: string[] = [];
  let frontier = [nodeId];
  while (frontier.length) {
    const next: string[] = [];
    for (const id of frontier)
      for (const p of parents.get(id) ?? []) {
        if (seen.has(p)) continue;
        seen.add(p);
        order.push(p);
        next.push(p);
      }
    frontier = next;
  }
  return order;
}

/**
 * What a trigger gives before anything ran or was captured, so the picker and the previews have
 * data: a schedule's declared event `{scheduledAt, firedAt}` (the next minute), a manual trigger's
 * sample payload. A webhook or a poll has none until a test event or a test poll brings one.
 */
export function declaredSample(data: { type: string; config: Record<string, unknown> } | undefined): unknown {
  if (data?.type === 'trigger.schedule') {
    const at = new Date(Math.ceil(Date.now() / 60_000) * 60_000).toISOString();
    return { scheduledAt: at, firedAt: at };
  }
  if (data?.type === 'trigger.manual') return data.config.samplePayload ?? {};
  return undefined;
}

export type ExpressionContext = {
  trigger: unknown;
  steps: Record<string, unknown>;
  input: unknown;
  execution: { id: string };
  workflow: { id: string; name: string };
  now: string;
  /** Workspace variables (`vars.NAME`); the browser never has a secret one's value, so it previews as SECRET_PREVIEW. */
  vars: Record<string, string>;
};

/** What a secret variable shows as in previews and the data picker: its value never reaches the browser. */
export const SECRET_PREVIEW = '[secret]';

/** The `vars` of a preview: plain values as they are, secret ones as SECRET_PREVIEW. */
export function previewVars(items: readonly { name: string; secret: boolean; value?: string }[]): Record<string, string> {
  return Object.fromEntries(items.map((v) => [v.name, v.secret ? SECRET_PREVIEW : (v.value ?? '')]));
}

/** The data an expression in `nodeId` would see, built from known sample outputs. */
export function contextFor(
  nodeId: string,
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
  samples: Readonly<Record<string, unknown>>,
  workflow: { id: string; name: string },
  vars: Record<string, string> = {},
): ExpressionContext {
  const triggerNode = nodes.find((n) => getNodeDefinition(n.data.type)?.kind === 'trigger');
  const triggerId = triggerNode?.id;
  if (triggerId && samples[triggerId] === undefined) {
    const declared = declaredSample(triggerNode.data);
    if (declared !== undefined) samples = { ...samples, [triggerId]: declared };
  }
  const parent = edges.find((e) => e.target === nodeId)?.source;
  const steps: Record<string, unknown> = {};
  for (const [id, v] of Object.entries(samples)) if (id !== nodeId) steps[id] = v;
  return {
    trigger: triggerId ? samples[triggerId] : undefined,
    steps,
    input: parent ? samples[parent] : undefined,
    execution: { id: 'ex_preview' },
    workflow,
    now: new Date().toISOString(),
    vars,
  };
}

export type Preview = { ok: true; value: unknown; text: string } | { ok: false; error: string };

type Compiled = { evaluate(input: unknown): Promise<unknown> | unknown };
let jsonataLoader: Promise<(expr: string) => Compiled> | null = null;
const loadJsonata = () => (jsonataLoader ??= import('jsonata').then((m) => m.default as unknown as (expr: string) => Compiled));

async function evaluate(expression: string, data: unknown): Promise<unknown> {
  const jsonata = await loadJsonata();
  let compiled: Compiled;
  try {
    compiled = jsonata(expression);
  } catch (e) {
    // The wording of the problems list and the server's refusal, not a second one.
    throw new Error(describeCompileError(expression, e));
  }
  return await Promise.race([
    compiled.evaluate(data),
    new Promise((_, reject) => setTimeout(() => reject(new Error('took longer than 1 s')), 1000)),
  ]);
}

function describeError(e: unknown): string {
  const err = e as { message?: string; position?: number };
  return err?.message ? `${err.message}${err.position !== undefined ? ` (at ${err.position})` : ''}` : String(e);
}

const show = (v: unknown): string => (v === undefined ? '(no value)' : typeof v === 'string' ? v : JSON.stringify(v, null, 1));

/**
 * Resolves `{{ }}` templates with the engine's own resolver (shared/expressions/template.ts) in a
 * string or anywhere inside an object (a JSON body), or, for JSONata fields, evaluates the whole
 * text, against `data`.
 */
export async function preview(text: unknown, data: unknown, jsonataField: boolean): Promise<Preview> {
  try {
    const value = jsonataField && typeof text === 'string' ? await evaluate(text, data) : await resolveTemplates(text, (expr) => evaluate(expr, data));
    return { ok: true, value, text: show(value) };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}
