import { describe, expect, it } from 'vitest';
import type { WorkflowNode } from '../workflow.ts';
import { diffVersions, fieldChanges, isEmptyDiff, jsonEqual, summarizeDiff, type DiffableVersion } from './diff.ts';

const node = (id: string, type: string, config: Record<string, unknown> = {}, position = { x: 0, y: 0 }): WorkflowNode => ({ id, type, position, config });
const hook = node('hook', 'trigger.webhook', { methods: ['POST'] });
const call = node('call', 'action.http', { method: 'GET', url: 'https://a.example/x', headers: { 'x-key': '1' }, body: { user: { email: 'a@x' } } }, { x: 300, y: 0 });
const base: DiffableVersion = { name: 'Flow', nodes: [hook, call], edges: [{ id: 'e1', source: 'hook', target: 'call' }] };

describe('diffVersions', () => {
  it('finds nothing between a version and itself, whatever the key order', () => {
    const reordered = { ...base, nodes: [hook, { ...call, config: { body: call.config.body, headers: call.config.headers, url: call.config.url, method: 'GET' } }] };
    const d = diffVersions(base, reordered);
    expect(isEmptyDiff(d)).toBe(true);
    expect(summarizeDiff(d)).toBe('no changes');
  });

  it('reports added and removed nodes with their type and name', () => {
    const t = { ...node('shape', 'data.transform', { expression: '1' }), name: 'Shape it' };
    const d = diffVersions(base, { ...base, nodes: [hook, t], edges: [{ id: 'e2', source: 'hook', target: 'shape' }] });
    expect(d.added).toEqual([{ nodeId: 'shape', type: 'data.transform', name: 'Shape it' }]);
    expect(d.removed).toEqual([{ nodeId: 'call', type: 'action.http' }]);
    expect(d.edges.added).toEqual([{ id: 'e2', source: 'hook', target: 'shape' }]);
    expect(d.edges.removed).toEqual([{ id: 'e1', source: 'hook', target: 'call' }]);
    expect(summarizeDiff(d)).toBe('1 node added, 1 node removed');
  });

  it('reports a move apart from content changes', () => {
    const d = diffVersions(base, { ...base, nodes: [hook, { ...call, position: { x: 340, y: 60 } }] });
    expect(d.moved).toEqual([{ nodeId: 'call', type: 'action.http', from: { x: 300, y: 0 }, to: { x: 340, y: 60 } }]);
    expect(d.changed).toEqual([]);
    expect(summarizeDiff(d)).toBe('1 node moved');
  });

  it('names each changed config field by its dotted path, nested ones to the leaf', () => {
    const edited = { ...call, config: { ...call.config, url: 'https://b.example/y', headers: {}, body: { user: { email: 'b@x' } }, timeoutMs: 500 } };
    const d = diffVersions(base, { ...base, nodes: [hook, edited] });
    expect(d.changed).toEqual([
      {
        nodeId: 'call',
        type: 'action.http',
        fields: [
          { path: 'config.body.user.email', before: 'a@x', after: 'b@x' },
          { path: 'config.headers.x-key', before: '1' },
          { path: 'config.timeoutMs', after: 500 },
          { path: 'config.url', before: 'https://a.example/x', after: 'https://b.example/y' },
        ],
      },
    ]);
    expect(summarizeDiff(d)).toBe('1 node changed');
  });

  it('compares arrays whole, and sees name, retry and onError as node changes', () => {
    const edited = { ...hook, name: 'Inbound', config: { methods: ['POST', 'PUT'] }, retry: { attempts: 3, delayMs: 10 }, onError: 'continue' as const };
    const d = diffVersions(base, { ...base, nodes: [edited, call] });
    expect(d.changed[0]!.fields).toEqual([
      { path: 'name', after: 'Inbound' },
      { path: 'config.methods', before: ['POST'], after: ['POST', 'PUT'] },
      { path: 'retry', after: { attempts: 3, delayMs: 10 } },
      { path: 'onError', after: 'continue' },
    ]);
  });

  it('matches edges by what they connect, so a re-drawn edge with a new id is no change', () => {
    const d = diffVersions(base, { ...base, edges: [{ id: 'e_hook_call', source: 'hook', target: 'call', sourceHandle: null }] });
    expect(d.edges).toEqual({ added: [], removed: [] });
    const rewired = diffVersions(base, { ...base, edges: [{ id: 'e1', source: 'hook', target: 'call', sourceHandle: 'true' }] });
    expect(rewired.edges.added).toHaveLength(1);
    expect(rewired.edges.removed).toHaveLength(1);
    expect(summarizeDiff(rewired)).toBe('2 connections changed');
  });

  it('reports the name and settings', () => {
    const d = diffVersions({ ...base, settings: { alerts: { email: ['a@x'] } } }, { ...base, name: 'Flow 2', settings: { alerts: { email: ['a@x', 'b@x'] }, timeoutSeconds: 30 } });
    expect(d.name).toEqual({ before: 'Flow', after: 'Flow 2' });
    expect(d.settings).toEqual([
      { path: 'settings.alerts.email', before: ['a@x'], after: ['a@x', 'b@x'] },
      { path: 'settings.timeoutSeconds', after: 30 },
    ]);
    expect(summarizeDiff(d)).toBe('renamed, settings changed');
    expect(diffVersions(base, base).settings).toEqual([]);
  });
});

describe('fieldChanges and jsonEqual', () => {
  it('treats an absent key and an undefined one alike', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(fieldChanges({ a: 1 }, { a: 1, b: undefined }, 'config')).toEqual([]);
  });
  it('reports a type change (object to string) at the key itself', () => {
    expect(fieldChanges({ body: { a: 1 } }, { body: '{{ x }}' }, 'config')).toEqual([{ path: 'config.body', before: { a: 1 }, after: '{{ x }}' }]);
  });
});
