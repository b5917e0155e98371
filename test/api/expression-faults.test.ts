/**
 * A broken expression is a fault like any other (issue 15): activation, and saving an active
 * workflow, refuse a JSONata field or a `{{ … }}` that does not compile, with its path; the active
 * version keeps running untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, type Booted } from '../helpers/boot.ts';

let sy: Booted;
beforeAll(async () => {
  sy = await boot();
});
afterAll(() => sy?.close());

const hook = { id: 'hook', type: 'trigger.webhook', config: {} };
const good = {
  name: 'plans',
  nodes: [
    hook,
    { id: 'pro', type: 'logic.if', config: { condition: 'steps.hook.body.plan = "pro"' } },
    { id: 'shape', type: 'data.transform', config: { expression: '{ "plan": input.body.plan }' } },
  ],
  edges: [
    { id: 'a', source: 'hook', target: 'pro' },
    { id: 'b', source: 'pro', target: 'shape', sourceHandle: 'true' },
  ],
};

describe('expression faults', () => {
  it('activation refuses a condition, a transform and a template that do not compile, each with its path and a JSONata hint', async () => {
    const draft = await sy.api('/api/workflows', {
      body: {
        ...good,
        nodes: [
          hook,
          { id: 'pro', type: 'logic.if', config: { condition: 'steps.hook.body.plan == "pro"' } },
          { id: 'shape', type: 'data.transform', config: { expression: '{ "plan": input.body.plan ' } },
          { id: 'send', type: 'action.http', config: { method: 'POST', url: 'https://example.com/{{ input.id && 1 }}', headers: { 'x-plan': '{{ }}' } } },
        ],
        edges: [...good.edges, { id: 'c', source: 'shape', target: 'send' }],
      },
    });
    expect(draft.status).toBe(201); // a draft may be broken
    const act = await sy.api(`/api/workflows/${draft.body.id}/activate`, { method: 'POST' });
    expect(act.status).toBe(400);
    expect(act.body.error.code).toBe('VALIDATION_FAILED');
    const byPath = Object.fromEntries(act.body.error.details.map((d: { path: string; message: string }) => [d.path, d.message]));
    expect(Object.keys(byPath).sort()).toEqual(['nodes.1.config.condition', 'nodes.2.config.expression', 'nodes.3.config.headers.x-plan', 'nodes.3.config.url']);
    expect(byPath['nodes.1.config.condition']).toMatch(/^expression does not compile: .* at character \d+ \(JSONata compares with = and != \(not ==, === or !==\)\)$/);
    expect(byPath['nodes.2.config.expression']).toMatch(/^expression does not compile: /);
    expect(byPath['nodes.3.config.url']).toMatch(/"and" for &&/);
    expect(byPath['nodes.3.config.headers.x-plan']).toBe('an empty {{ }} has no expression in it');
    expect((await sy.api(`/api/workflows/${draft.body.id}`)).body.active).toBe(false);
  });

  it('saving an active workflow with a broken expression is refused and the active version stays', async () => {
    const wf = (await sy.api('/api/workflows', { body: good })).body;
    expect((await sy.api(`/api/workflows/${wf.id}/activate`, { method: 'POST' })).status).toBe(200);
    const broken = { ...good, nodes: [wf.nodes[0], { ...good.nodes[1], config: { condition: 'steps.hook.body.plan == "pro"' } }, good.nodes[2]] };
    const saved = await sy.api(`/api/workflows/${wf.id}`, { method: 'PUT', body: broken });
    expect(saved.status).toBe(400);
    expect(saved.body.error.details.map((d: { path: string }) => d.path)).toEqual(['nodes.1.config.condition']);
    const now = (await sy.api(`/api/workflows/${wf.id}`)).body;
    expect(now).toMatchObject({ active: true, version: wf.version });
    expect(now.nodes[1].config.condition).toBe('steps.hook.body.plan = "pro"');
    // The same document saves once the workflow is a draft again.
    expect((await sy.api(`/api/workflows/${wf.id}/deactivate`, { method: 'POST' })).status).toBe(200);
    expect((await sy.api(`/api/workflows/${wf.id}`, { method: 'PUT', body: broken })).status).toBe(200);
  });
});
