/**
 * The node definition contract: one object per node type (config schema, UI hints, handles, run).
 * Nodes touch the world only through the ports on `RunContext`, so this folder stays browser-safe.
 */
import type { z } from 'zod';

// ---------------------------------------------------------------- UI hints (plain data)

/**
 * Every widget the editor's config panel renders (web/src/editor/fields/render.tsx switches over
 * this type exhaustively); a runtime list so the node contract test can check each node's hints.
 */
export const FIELD_WIDGETS = [
  'text',
  'textarea',
  'number',
  'select',
  'multiselect',
  'switch',
  'keyValue',
  'json',
  'expression',
  /** A JSONata condition, built from rows (value · operator · value) or written as an expression. */
  'condition',
  /** A switch's cases: rows of a name and a condition (built like `condition`), in order. */
  'cases',
  'credential',
  /** Another workflow of this server, picked from a list (flow.call). */
  'workflow',
  /** Several workflows of this server, ticked in a list; none ticked means all (trigger.error). */
  'workflows',
  'cron',
  'timezone',
  'object',
] as const;

export type FieldWidget = (typeof FIELD_WIDGETS)[number];

export type FieldUi = {
  label: string;
  widget: FieldWidget;
  help?: string;
  placeholder?: string;
  options?: readonly { value: string; label: string }[];
  /** Folded away under "Advanced" in the config panel. */
  advanced?: boolean;
  /** Show only when another field of the same config equals a value. */
  showIf?: { field: string; equals: unknown };
  /** For `credential` widgets: which credential types fit. */
  credentialTypes?: readonly string[];
  /** Hidden from the panel (server-assigned values like a webhook token). */
  hidden?: boolean;
  /** Shown but not editable. */
  readOnly?: boolean;
  /**
   * For expression widgets: `jsonata` fields hold a bare JSONata expression (conditions,
   * transforms); `template` fields hold text with `{{ … }}` (the default).
   */
  syntax?: 'jsonata' | 'template';
  /** For template expression widgets: a several-line text area (message bodies) instead of one line. */
  multiline?: boolean;
};

/** One hint per config key, exhaustive at compile time. */
export type UiHints<Cfg> = { [K in keyof Cfg]-?: FieldUi };

export const NODE_CATEGORIES = ['trigger', 'action', 'logic', 'data', 'flow'] as const;
export type NodeCategory = (typeof NODE_CATEGORIES)[number];

// ---------------------------------------------------------------- ports

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
export type BodyType = 'json' | 'form' | 'text' | 'none';

export type HttpRequest = {
  method: HttpMethod;
  url: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  bodyType?: BodyType;
  timeoutMs?: number;
  signal?: AbortSignal;
};

export type HttpResponse = {
  status: number;
  headers: Record<string, string>;
  /** Parsed when the response is JSON, else text. */
  body: unknown;
  durationMs: number;
  /** From a `Retry-After` header, when present. */
  retryAfterMs?: number;
  /** The body was larger than the size cap and was cut. */
  truncated?: boolean;
};

/** Outbound HTTP. Network failures reject with `RetryableError`; blocked addresses with `NodeFailure`. */
export type HttpPort = { request(req: HttpRequest): Promise<HttpResponse> };

export type MailMessage = {
  from?: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
  messageId?: string;
};
export type MailResult = { messageId: string; accepted: string[]; rejected: string[]; captured?: boolean };
export type MailPort = { send(msg: MailMessage, options: { credentialId?: string; signal?: AbortSignal }): Promise<MailResult> };

/** Turns a credential into request headers without the node ever holding the secret in its config. */
export type CredentialsPort = {
  headersFor(credentialId: string): Promise<Record<string, string>>;
};

/** JSONata evaluation, time- and size-limited; `data` defaults to the step's expression context. */
export type Evaluate = (expression: string, data?: unknown) => Promise<unknown>;

export type NodeLogger = {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
};

/** Everything `run` may use. Built per step by the engine (server/engine/node-context.ts). */
export type RunContext<Cfg> = {
  config: Cfg;
  /** Output of the upstream node. */
  input: unknown;
  trigger: unknown;
  nodeId: string;
  executionId: string;
  workflowId: string;
  attempt: number;
  http: HttpPort;
  mail: MailPort;
  credentials: CredentialsPort;
  evaluate: Evaluate;
  log: NodeLogger;
  signal: AbortSignal;
  now: () => Date;
};

// ---------------------------------------------------------------- results

/**
 * What `run` returns. `handle` picks the out-handle (logic.if); `null` means every outgoing edge;
 * `stop` ends the branch; `wait` parks the step until a time (durable delay).
 */
export type NodeResult =
  | { kind: 'ok'; output: unknown }
  | { kind: 'route'; handle: string; output: unknown }
  | { kind: 'stop'; output: unknown }
  | { kind: 'wait'; until: Date; output: unknown }
  /** flow.forEach: the engine runs the loop body once per item (its loop executor). */
  | { kind: 'loop'; items: unknown[]; output: unknown }
  /** flow.call: the engine starts the workflow as a child execution (its call executor). */
  | { kind: 'call'; workflowId: string; payload: unknown; wait: boolean; output: unknown };

export const ok = (output: unknown): NodeResult => ({ kind: 'ok', output });
export const route = (handle: string, output: unknown): NodeResult => ({ kind: 'route', handle, output });
export const stop = (output: unknown): NodeResult => ({ kind: 'stop', output });
export const wait = (until: Date, output: unknown): NodeResult => ({ kind: 'wait', until, output });
export const loop = (items: unknown[]): NodeResult => ({ kind: 'loop', items, output: { total: items.length } });
export const call = (workflowId: string, payload: unknown, waitForIt: boolean): NodeResult => ({
  kind: 'call',
  workflowId,
  payload,
  wait: waitForIt,
  output: { workflowId },
});

// ---------------------------------------------------------------- definitions

/** A node type id: `<category>.<name>`, stable forever. */
export type TypeId = `${NodeCategory}.${string}`;

type Common<S extends z.ZodType, T extends TypeId> = {
  /** `<category>.<name>`, stable forever; kept as its literal so the registry can list a `NodeType` union. */
  type: T;
  title: string;
  description: string;
  category: NodeCategory;
  /** A short glyph for the palette and canvas. */
  icon: string;
  config: S;
  ui: UiHints<z.output<S>>;
  /** Named out-handles; absent means one unnamed out-handle. */
  handles?: readonly string[];
  /**
   * Out-handles that follow the config (a switch's cases), overriding `handles`. Given the raw,
   * possibly half-edited config of a draft, so it must not assume the schema holds.
   */
  handlesFor?: (config: Readonly<Record<string, unknown>>) => readonly string[];
  /** One line describing the output, shown in the editor. */
  output: string;
  /** Config schema version; `migrate` upgrades older configs on load. */
  version?: number;
  migrate?: (config: Record<string, unknown>, from: number) => Record<string, unknown>;
};

export type ActionDefinition<S extends z.ZodType = z.ZodType, T extends TypeId = TypeId> = Common<S, T> & {
  kind: 'action';
  run(ctx: RunContext<z.output<S>>): Promise<NodeResult>;
};

/** `keyed: false` when the `key` expression found nothing usable and the content hash is the key. */
export type PollItem = { key: string; item: unknown; keyed?: boolean };
export type PollContext<Cfg> = Omit<RunContext<Cfg>, 'input' | 'trigger'> & {
  /** Validators from the previous poll, for conditional requests. */
  etag?: string;
  lastModified?: string;
};
/**
 * `items` are in the order the API listed them (the engine assumes newest first); `status` is the
 * HTTP status; validators are the response's `ETag` / `Last-Modified` for the next poll. `found`
 * and `response` (what `items` was evaluated over) are for the editor's test poll.
 */
export type PollResult =
  | { notModified: true; etag?: string; lastModified?: string; status?: number }
  | {
      notModified?: false;
      items: PollItem[];
      etag?: string;
      lastModified?: string;
      status?: number;
      found?: 'nothing' | 'list' | 'single';
      response?: { status: number; headers: Record<string, string>; body: unknown };
    };

export type Activation<Cfg> =
  | { kind: 'webhook' }
  | { kind: 'schedule'; cron(c: Cfg): { expression: string; timezone: string; overlap: 'skip' | 'allow'; catchUp: 'none' | 'last' } }
  | { kind: 'poll'; everySeconds(c: Cfg): number }
  | { kind: 'manual' }
  /** trigger.error: started by the failure dispatcher when a watched workflow fails. */
  | { kind: 'error' };

export type TriggerDefinition<S extends z.ZodType = z.ZodType, T extends TypeId = TypeId> = Common<S, T> & {
  kind: 'trigger';
  activation: Activation<z.output<S>>;
  /** Poll triggers only: fetch the current items; the engine decides which are new. */
  poll?(ctx: PollContext<z.output<S>>): Promise<PollResult>;
};

/** Defines an action/logic/data/flow node. @example export const ifNode = defineNode({ type: 'logic.if', … }) */
export function defineNode<S extends z.ZodType, T extends TypeId>(def: Omit<ActionDefinition<S, T>, 'kind'>): ActionDefinition<S, T> {
  return { kind: 'action', ...def };
}

/** Defines a trigger node; its output is the trigger event itself. */
export function defineTrigger<S extends z.ZodType, T extends TypeId>(def: Omit<TriggerDefinition<S, T>, 'kind'>): TriggerDefinition<S, T> {
  return { kind: 'trigger', ...def };
}

/** Any node, its config schema widened to `z.ZodType`; the registry narrows `T` to its `NodeType` union. */
export type AnyNodeDefinition<T extends TypeId = TypeId> = ActionDefinition<z.ZodType, T> | TriggerDefinition<z.ZodType, T>;

/** A node's named out-handles for this config (`handlesFor`, else the fixed `handles`); undefined: one unnamed. */
export function outputHandles(def: AnyNodeDefinition | undefined, config: unknown): readonly string[] | undefined {
  if (def?.handlesFor) return def.handlesFor(config && typeof config === 'object' ? (config as Record<string, unknown>) : {});
  return def?.handles;
}
