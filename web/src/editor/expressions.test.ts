import { describe, expect, it } from 'vitest';
import { contextFor, flattenPaths, isJsonataField, pathSegment, preview, previewVars, SECRET_PREVIEW, upstreamOf } from './expressions.ts';
import type { FlowEdge, FlowNode } from './mapping.ts';

const nodes: FlowNode[] = [
  { id: 'hook', type: 'workflow', position: { x: 0, y: 0 }, data: { type: 'trigger.webhook', config: {} } },
  { id: 'check', type: 'workflow', position: { x: 0, y: 0 }, data: { type: 'logic.if', config: {} } },
  { id: 'crm', type: 'workflow', position: { x: 0, y: 0 }, data: { type: 'action.http', config: {} } },
];
const edges: FlowEdge[] = [
  { id: 'a', source: 'hook', target: 'check' },
  { id: 'b', source: 'check', target: 'crm', sourceHandle: 'true' },
];
const samples = { hook: { body: { email: 'ada@example.com', tags: ['x'] }, headers: { 'content-type': 'application/json' } } };

describe('expression helpers', () => {
  it('lists picker paths, quoting keys JSONata cannot take bare', () => {
    const rows = flattenPaths('steps.hook', samples.hook).map((r) => r.path);
    expect(rows).toContain('steps.hook.body.email');
    expect(rows).toContain('steps.hook.body.tags[0]');
    expect(rows).toContain('steps.hook.headers.`content-type`');
    expect(pathSegment('ok_1')).toBe('ok_1');
  });

  it('finds upstream nodes nearest first', () => {
    expect(upstreamOf('crm', edges)).toEqual(['check', 'hook']);
    expect(upstreamOf('hook', edges)).toEqual([]);
  });

  it('previews templates with the engine resolver', async () => {
    const ctx = contextFor('crm', nodes, edges, samples, { id: 'wf', name: 'W' });
    expect(ctx.trigger).toBe(samples.hook);
    await expect(preview('https://x.test/?e={{ steps.hook.body.email }}', ctx, false)).resolves.toMatchObject({ ok: true, text: 'https://x.test/?e=ada@example.com' });
    await expect(preview('{{ steps.hook.body }}', ctx, false)).resolves.toMatchObject({ ok: true, value: samples.hook.body });
    await expect(preview('$count(trigger.body.tags) = 1', ctx, true)).resolves.toMatchObject({ ok: true, value: true });
    await expect(preview('{{ steps.hook.body.email + }}', ctx, false)).resolves.toMatchObject({ ok: false });
  });

  it('a schedule or manual trigger that never ran offers its declared output; a webhook offers nothing', () => {
    const withTrigger = (data: FlowNode['data']): FlowNode[] => [{ ...nodes[0]!, id: 'tick', data }, { ...nodes[2]!, id: 'crm' }];
    const e: FlowEdge[] = [{ id: 'a', source: 'tick', target: 'crm' }];
    const sched = contextFor('crm', withTrigger({ type: 'trigger.schedule', config: { cron: '0 9 * * *' } }), e, {}, { id: 'wf', name: 'W' });
    const t = sched.trigger as { scheduledAt: string; firedAt: string };
    expect(Object.keys(t)).toEqual(['scheduledAt', 'firedAt']);
    expect(Date.parse(t.scheduledAt) % 60_000).toBe(0);
    expect(sched.steps.tick).toBe(t);
    expect(sched.input).toBe(t);
    const manual = contextFor('crm', withTrigger({ type: 'trigger.manual', config: { samplePayload: { id: 7 } } }), e, {}, { id: 'wf', name: 'W' });
    expect(manual.trigger).toEqual({ id: 7 });
    // What a run or a capture brought wins over the declared one.
    expect(contextFor('crm', withTrigger({ type: 'trigger.manual', config: {} }), e, { tick: { real: 1 } }, { id: 'wf', name: 'W' }).trigger).toEqual({ real: 1 });
    expect(contextFor('crm', withTrigger({ type: 'trigger.webhook', config: {} }), e, {}, { id: 'wf', name: 'W' }).trigger).toBeUndefined();
  });

  it('tells JSONata fields from template fields', () => {
    expect(isJsonataField({ label: 'Condition', widget: 'expression' })).toBe(true);
    expect(isJsonataField({ label: 'Items (JSONata)', widget: 'expression' })).toBe(true);
    expect(isJsonataField({ label: 'URL', widget: 'expression' })).toBe(false);
  });
});

describe('workspace variables in previews', () => {
  it('a template and a JSONata field see vars.NAME; a secret one previews as a placeholder, never a value', async () => {
    const vars = previewVars([
      { name: 'API_BASE', secret: false, value: 'https://api.example.com' },
      { name: 'TOKEN', secret: true },
    ]);
    expect(vars).toEqual({ API_BASE: 'https://api.example.com', TOKEN: SECRET_PREVIEW });
    const ctx = contextFor('crm', nodes, edges, samples, { id: 'wf', name: 'W' }, vars);
    expect(await preview('{{ vars.API_BASE }}/users', ctx, false)).toMatchObject({ ok: true, value: 'https://api.example.com/users' });
    expect(await preview('vars.API_BASE = "https://api.example.com"', ctx, true)).toMatchObject({ ok: true, value: true });
    expect(await preview('{{ vars.TOKEN }}', ctx, false)).toMatchObject({ ok: true, value: SECRET_PREVIEW });
    // No variables known (not loaded yet): vars is empty, not missing, so vars.X is just undefined.
    expect(contextFor('crm', nodes, edges, samples, { id: 'wf', name: 'W' }).vars).toEqual({});
  });
});
