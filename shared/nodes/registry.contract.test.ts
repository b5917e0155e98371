/**
 * The node contract: every registered definition goes through the same checks, so a new node is
 * held to them by being added to the registry. Its config schema, UI hints, handles and activation
 * must agree with each other, and `run` (with a fake context) may touch the world only through the
 * ports. Node-specific behaviour is tested beside each node; this is what every node owes the
 * editor and the engine.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { CredentialType } from '../api/credentials.ts';
import { parseCron } from '../cron/parse.ts';
import { isValidTimeZone } from '../time-zone.ts';
import { FIELD_WIDGETS, NODE_CATEGORIES, outputHandles, type FieldUi, type NodeResult } from './define.ts';
import { FAKE_NOW, makeCtx, type FakeAnswers } from './fake-run-context.ts';
import { getNodeDefinition, nodeDefinitions, type NodeType, type RegisteredNodeDefinition } from './registry.ts';

/** The poller's floor (README: `intervalSeconds` at least 10). */
const POLL_MIN_SECONDS = 10;

/**
 * One working config per node type (merged over the schema's defaults, as the editor starts a
 * node), and answers for the fake ports. Steps run once per `evaluate` answer so both sides of a
 * condition are exercised.
 */
type Sample = { config: Record<string, unknown>; evaluate?: FakeAnswers['evaluate'][] };
const SAMPLES: Record<NodeType, Sample> = {
  'trigger.webhook': { config: {} },
  'trigger.schedule': { config: { cron: '*/5 * * * *', timezone: 'Europe/Berlin' } },
  'trigger.poll': {
    config: { request: { url: 'https://api.example.com/tickets', credentialId: 'cred-1' } },
    // `items` over the response gives two tickets; `key` over each gives its id.
    evaluate: [(expr: string, data: unknown) => (expr === 'body' ? [{ id: 1 }, { id: 2 }] : (data as { id: number }).id)],
  },
  'trigger.manual': { config: { samplePayload: { hello: 'world' } } },
  'trigger.error': { config: { workflows: ['wf_orders', 'wf_billing'] } },
  'action.http': { config: { method: 'POST', url: 'https://api.example.com/orders', body: { a: 1 }, credentialId: 'cred-1' } },
  'action.email': { config: { to: 'ops@example.com', subject: 'Hello', text: 'A body' } },
  'action.respond': { config: { status: 201, headers: { 'x-order': '42' }, body: { ok: true }, bodyType: 'json' } },
  'logic.if': { config: { condition: 'input.amount > 100' }, evaluate: [true, false] },
  'logic.filter': { config: { condition: 'input.ok' }, evaluate: [true, false] },
  'logic.switch': {
    config: { cases: [{ name: 'big', condition: 'input.n > 10' }, { name: 'small', condition: 'input.n > 0' }] },
    evaluate: [true, false],
  },
  'data.transform': { config: { expression: '{ "x": input }' }, evaluate: [{ x: 1 }, undefined] },
  'flow.delay': { config: { seconds: 90 } },
  'flow.forEach': { config: { items: 'input.lines', concurrency: 5, onItemError: 'continue' }, evaluate: [[{ sku: 'a' }, { sku: 'b' }], []] },
  'flow.call': { config: { workflowId: 'wf_child', payload: { order: 42 }, wait: false } },
};

/** A type's sample, or a failure telling the author of a new node to add one. */
function sampleOf(type: string): Sample {
  const sample = (SAMPLES as Partial<Record<string, Sample>>)[type];
  if (!sample) throw new Error(`add a sample config for ${type} to SAMPLES in shared/nodes/registry.contract.test.ts`);
  return sample;
}

const RESULT_KINDS = new Set<NodeResult['kind']>(['ok', 'route', 'stop', 'wait', 'loop', 'call']);

// ---------------------------------------------------------------- reading the schemas (zod 4's public classes)

/** Strips default/optional/nullable to reach the schema that says what the value is. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

const shapeOf = (def: RegisteredNodeDefinition): Record<string, z.ZodType> => (def.config as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
const uiOf = (def: RegisteredNodeDefinition) => Object.entries(def.ui as Record<string, FieldUi>);

/** The field's default, if it has one: what it parses `undefined` to. */
function defaultOf(schema: z.ZodType): { has: boolean; value?: unknown } {
  const r = schema.safeParse(undefined);
  return r.success && r.data !== undefined ? { has: true, value: r.data } : { has: false };
}
const isRequired = (schema: z.ZodType) => !schema.safeParse(undefined).success;

/** The allowed values of a select (an enum) or a multiselect (an array of one). */
function enumValues(schema: z.ZodType, multi: boolean): string[] | null {
  let s = unwrap(schema);
  if (multi) {
    if (!(s instanceof z.ZodArray)) return null;
    s = unwrap(s.element as z.ZodType);
  }
  return s instanceof z.ZodEnum ? (s.options as string[]).map(String) : null;
}

/** The sample config as the engine would hand it to `run`: parsed, and frozen so a node cannot write to it. */
function sampleConfig(def: RegisteredNodeDefinition): Record<string, unknown> {
  return deepFreeze(def.config.parse(sampleOf(def.type).config) as Record<string, unknown>);
}
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Global network access fails the test: a node reaches the world only through its ports. */
let globalFetches: unknown[] = [];
beforeEach(() => {
  globalFetches = [];
  vi.stubGlobal('fetch', (...args: unknown[]) => {
    globalFetches.push(args[0]);
    throw new Error('a node called the global fetch; use ctx.http');
  });
});
afterEach(() => vi.unstubAllGlobals());

// ---------------------------------------------------------------- the registry itself

describe('the node registry', () => {
  it('has a sample config in this test for every node type', () => {
    const missing = nodeDefinitions.map((d) => d.type).filter((t) => !Object.hasOwn(SAMPLES, t));
    expect(missing, `add a sample config for ${missing.join(', ')} to SAMPLES in shared/nodes/registry.contract.test.ts`).toEqual([]);
    const stale = Object.keys(SAMPLES).filter((t) => !getNodeDefinition(t));
    expect(stale, 'SAMPLES lists node types the registry no longer has').toEqual([]);
  });

  it('finds each definition by its type, and nothing for an unknown string', () => {
    for (const def of nodeDefinitions) expect(getNodeDefinition(def.type)).toBe(def);
    expect(getNodeDefinition('logic.nope')).toBeUndefined();
    expect(getNodeDefinition('')).toBeUndefined();
  });
});

// ---------------------------------------------------------------- every definition

describe.each(nodeDefinitions.map((def) => [def.type, def] as const))('%s', (type, def) => {
  it('is named <category>.<name> after its category, and is a trigger exactly when its category is', () => {
    expect(type).toMatch(/^[a-z]+\.[a-z][A-Za-z0-9]*$/);
    expect(NODE_CATEGORIES).toContain(def.category);
    expect(type.split('.')[0], `${type}: the type's prefix is its category`).toBe(def.category);
    expect(def.kind === 'trigger').toBe(def.category === 'trigger');
    for (const text of [def.title, def.description, def.icon, def.output]) expect(text.trim()).not.toBe('');
  });

  it('has a zod object config whose keys are exactly its UI hints', () => {
    expect(def.config).toBeInstanceOf(z.ZodObject);
    expect(Object.keys(def.ui).sort(), 'a field without a UI hint, or a hint without a field').toEqual(Object.keys(shapeOf(def)).sort());
  });

  it('gives every field a widget the editor renders, with hints that fit it', () => {
    const shape = shapeOf(def);
    for (const [key, ui] of uiOf(def)) {
      const at = `${type} ${key}`;
      expect(FIELD_WIDGETS, at).toContain(ui.widget);
      expect(ui.label.trim(), at).not.toBe('');
      const choice = ui.widget === 'select' || ui.widget === 'multiselect';
      expect(ui.options !== undefined, `${at}: options go with select/multiselect only`).toBe(choice);
      if (choice) {
        const values = enumValues(shape[key]!, ui.widget === 'multiselect');
        expect(values, `${at}: a ${ui.widget} needs an enum field`).not.toBeNull();
        expect(ui.options!.map((o) => o.value).sort(), `${at}: options and enum values differ`).toEqual([...values!].sort());
      }
      if (ui.widget === 'credential') {
        expect(ui.credentialTypes?.length, `${at}: which credential types fit`).toBeGreaterThan(0);
        for (const t of ui.credentialTypes!) expect(CredentialType.options, at).toContain(t);
      }
      if (ui.showIf) expect(Object.keys(shape), `${at}: showIf names a field of this config`).toContain(ui.showIf.field);
    }
  });

  it('parses its own defaults, field by field and as a whole config', () => {
    const shape = shapeOf(def);
    const required = new Set<string>();
    for (const [key, schema] of Object.entries(shape)) {
      if (isRequired(schema)) required.add(key);
      const d = defaultOf(schema);
      // zod hands back a default without checking it; parsing it again does.
      if (d.has) expect(schema.safeParse(d.value).error?.issues, `${type} ${key}: its default does not parse`).toBeUndefined();
    }
    const empty = def.config.safeParse({});
    if (required.size === 0) expect(empty.error?.issues, `${type}: the defaults do not parse`).toBeUndefined();
    else {
      expect(empty.success).toBe(false);
      const at = [...new Set(empty.error!.issues.map((i) => String(i.path[0])))].sort();
      expect(at, `${type}: a config of defaults fails at fields other than the required ones`).toEqual([...required].sort());
    }
    expect(def.config.safeParse(sampleOf(type).config).error?.issues, `${type}: the sample config does not parse`).toBeUndefined();
  });

  it('names its out-handles uniquely, for its defaults, an empty config and the sample', () => {
    const configs = [{}, def.config.safeParse({}).data ?? {}, sampleConfig(def)];
    for (const config of configs) {
      const handles = outputHandles(def, config);
      if (handles === undefined) continue;
      expect(handles.length, `${type}: named handles, but none`).toBeGreaterThan(0);
      for (const h of handles) expect(typeof h === 'string' && h.trim() !== '' && h === h.trim(), `${type}: handle ${JSON.stringify(h)}`).toBe(true);
      expect(new Set(handles).size, `${type}: duplicate handles ${handles.join(', ')}`).toBe(handles.length);
    }
    if (def.kind === 'trigger') expect(outputHandles(def, {}), 'a trigger has one unnamed out-handle').toBeUndefined();
  });

  if (def.kind === 'action') {
    // Read while collecting: a missing sample must not stop the other checks from being listed.
    const answers = (SAMPLES as Partial<Record<string, Sample>>)[type]?.evaluate ?? [true];
    it.each(answers.map((a, i) => [i, a] as const))('runs through its ports only (evaluate answer #%i)', async (_i, evaluate) => {
      const config = sampleConfig(def);
      const ctx = makeCtx(config, { evaluate });
      const result = await def.run(ctx);
      expect(globalFetches).toEqual([]);
      expect(RESULT_KINDS, `${type}: result kind ${result.kind}`).toContain(result.kind);
      expect(result).toHaveProperty('output');
      // Outputs are stored and shown as JSON.
      expect(JSON.parse(JSON.stringify(result.output ?? null))).toEqual(result.output ?? null);
      if (result.kind === 'route') expect(outputHandles(def, config), `${type}: routed to a handle it does not have`).toContain(result.handle);
      if (result.kind === 'loop') {
        expect(Array.isArray(result.items), `${type}: a loop runs over a list`).toBe(true);
        expect(outputHandles(def, config), `${type}: a loop has each and done`).toEqual(['each', 'done']);
      }
      if (result.kind === 'call') expect(result.workflowId, `${type}: a call names its workflow`).toBe(config.workflowId);
      if (result.kind === 'wait') {
        expect(result.until).toBeInstanceOf(Date);
        expect(result.until.getTime(), 'a wait is measured from ctx.now()').toBeGreaterThanOrEqual(FAKE_NOW.getTime());
      }
    });
  }

  if (def.kind === 'trigger') {
    it('activates as its kind says', async () => {
      const config = sampleConfig(def);
      const { activation } = def;
      expect(['webhook', 'schedule', 'poll', 'manual', 'error']).toContain(activation.kind);
      expect(typeof def.poll === 'function', 'poll() goes with poll activation only').toBe(activation.kind === 'poll');
      if (activation.kind === 'schedule') {
        const s = activation.cron(config);
        expect(parseCron(s.expression).ok, s.expression).toBe(true);
        expect(isValidTimeZone(s.timezone), s.timezone).toBe(true);
        expect(['skip', 'allow']).toContain(s.overlap);
        expect(['none', 'last']).toContain(s.catchUp);
      }
      if (activation.kind === 'poll') {
        const every = activation.everySeconds(config);
        expect(Number.isFinite(every) && every >= POLL_MIN_SECONDS, `polls every ${every}s`).toBe(true);
        const ctx = makeCtx(config, { evaluate: sampleOf(type).evaluate?.[0] });
        const polled = await def.poll!(ctx);
        expect(globalFetches).toEqual([]);
        expect(ctx.calls.some((c) => c.port === 'http'), 'a poll requests through ctx.http').toBe(true);
        if (!polled.notModified) {
          expect(polled.items.length).toBeGreaterThan(0);
          for (const item of polled.items) expect(typeof item.key === 'string' && item.key !== '', JSON.stringify(item)).toBe(true);
          expect(new Set(polled.items.map((i) => i.key)).size).toBe(polled.items.length);
        }
      }
    });
  }
});
