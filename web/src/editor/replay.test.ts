import { beforeEach, describe, expect, it } from 'vitest';
import type { Step } from '#shared/execution.ts';
import type { Workflow } from '#shared/workflow.ts';
import { isReadOnly, selectIsDirty, selectShownRun, useEditorStore, type RunState } from './store.ts';

const hook = { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: { token: 't0ken', methods: ['POST'] } };
const call = { id: 'call', type: 'action.http', position: { x: 300, y: 0 }, config: { method: 'GET', url: 'http://sink/v1' } };
const wf: Workflow = {
  id: 'wf_1', name: 'Replay', active: false, version: 2, triggers: [], settings: {}, createdAt: '', updatedAt: '',
  nodes: [hook, call, { id: 'more', type: 'data.transform', position: { x: 600, y: 0 }, config: { expression: '1' } }],
  edges: [{ id: 'a', source: 'hook', target: 'call' }, { id: 'b', source: 'call', target: 'more' }],
};
const v1 = { nodes: [hook, call], edges: [{ id: 'a', source: 'hook', target: 'call' }] };

const step = (nodeId: string, status: Step['status'], output: unknown = { ok: true }): Step => ({
  nodeId, status, attempts: 1, input: { in: nodeId }, output, error: null, startedAt: null, finishedAt: null,
});
const runOf = (executionId: string, version: number, steps: Step[]): RunState => ({
  executionId, status: 'success', version, steps: Object.fromEntries(steps.map((s) => [s.nodeId, s])),
});
const info = (executionId: string, version: number) => ({ executionId, version, status: 'success' as const, mode: 'webhook' as const, startedAt: '2026-01-01T00:00:00.000Z' });
const st = () => useEditorStore.getState();

describe('viewing a past execution', () => {
  beforeEach(() => st().load(wf));

  it('shows the version it ran, read-only, and gives the draft and its undo history back untouched', () => {
    // A draft with unsaved edits, an undo step and a redo step, a selection and its own latest run.
    st().updateConfig('call', { url: 'http://sink/edited' });
    st().addNode('flow.delay', { x: 900, y: 0 });
    st().undo();
    st().select('call');
    st().setRun(runOf('ex_2', 2, [step('hook', 'success', { body: 2 })]));
    const before = st();
    expect(before.past).toHaveLength(1);
    expect(before.future).toHaveLength(1);
    expect(selectIsDirty(before)).toBe(true);

    st().enterReplay(info('ex_1', 1), v1, runOf('ex_1', 1, [step('hook', 'success', { body: 1 }), step('call', 'error')]));
    expect(isReadOnly(st())).toBe(true);
    expect(st().nodes.map((n) => n.id)).toEqual(['hook', 'call']);
    expect(st().nodes[1]!.data.config.url).toBe('http://sink/v1');
    expect(st().edges.map((e) => e.id)).toEqual(['a']);
    expect(selectShownRun(st())?.executionId).toBe('ex_1');
    expect(selectShownRun(st())?.steps.call?.status).toBe('error');
    expect(st().sampleData).toEqual({ hook: { body: 1 } });
    expect(st().selectedNodeId).toBeNull();
    expect(st().graphIssues).toEqual([]);

    // Every editing action does nothing here.
    expect(st().addNode('flow.delay', { x: 0, y: 0 })).toBeNull();
    st().updateConfig('call', { url: 'http://elsewhere' });
    st().updateNode('call', { name: 'Renamed' });
    st().setName('Other name');
    st().onConnect({ source: 'call', target: 'hook', sourceHandle: null, targetHandle: null });
    st().onNodesChange([{ type: 'remove', id: 'call' }, { type: 'position', id: 'hook', position: { x: 50, y: 50 }, dragging: false }]);
    st().onEdgesChange([{ type: 'remove', id: 'a' }]);
    st().applyLayout({ hook: { x: 99, y: 99 } });
    st().select('call');
    st().deleteSelection();
    st().undo();
    st().redo();
    st().copySelection();
    expect(st().paste()).toBe(0);
    expect(st().nodes.map((n) => [n.id, n.position.x, n.data.config.url, n.data.name])).toEqual([
      ['hook', 0, undefined, undefined],
      ['call', 300, 'http://sink/v1', undefined],
    ]);
    expect(st().edges.map((e) => e.id)).toEqual(['a']);
    expect(st().past).toBe(before.past);
    expect(st().future).toBe(before.future);
    expect(st().revision).toBe(before.revision);
    expect(st().name).toBe('Replay');
    // Selecting is viewing: it shows that node's step.
    expect(st().selectedNodeId).toBe('call');

    // The latest run moving on elsewhere does not replace what is viewed.
    st().setRun(runOf('ex_3', 2, []));
    expect(st().run?.executionId).toBe('ex_1');

    st().leaveReplay();
    const after = st();
    expect(after.replay).toBeNull();
    for (const key of ['nodes', 'edges', 'selectedNodeId', 'run', 'sampleData', 'serverIssues', 'past', 'future', 'revision', 'savedRevision', 'name'] as const) {
      expect(after[key], key).toBe(before[key]);
    }
    expect(after.nodes.map((n) => n.id)).toEqual(['hook', 'call', 'more']);
    // Undo and redo go on where they were.
    st().redo();
    expect(st().nodes.map((n) => n.id)).toEqual(['hook', 'call', 'more', 'delay']);
    st().undo();
    st().undo();
    expect(st().nodes[1]!.data.config.url).toBe('http://sink/v1');
  });

  it('viewing one execution after another keeps the same draft aside', () => {
    const draftNodes = st().nodes;
    st().enterReplay(info('ex_1', 1), v1, runOf('ex_1', 1, []));
    st().enterReplay(info('ex_2', 2), wf, runOf('ex_2', 2, []));
    expect(st().replay?.executionId).toBe('ex_2');
    expect(st().nodes.map((n) => n.id)).toEqual(['hook', 'call', 'more']);
    st().leaveReplay();
    expect(st().nodes).toBe(draftNodes);
  });

  it('follows the viewed execution while it runs, and a save landing meanwhile goes to the draft', () => {
    st().enterReplay(info('ex_1', 1), v1, { ...runOf('ex_1', 1, []), status: 'running' });
    st().mergeStep('ex_1', step('hook', 'success'));
    st().setRunStatus('ex_1', 'success');
    expect(st().run?.steps.hook?.status).toBe('success');
    expect(st().run?.status).toBe('success');

    const saved: Workflow = { ...wf, version: 3, nodes: wf.nodes.map((n) => (n.id === 'hook' ? { ...n, config: { ...n.config, token: 'new-token' } } : n)) };
    st().markSaved(saved, st().revision);
    expect(st().nodes[0]!.data.config.token).toBe('t0ken'); // the viewed graph is not the draft
    st().leaveReplay();
    expect(st().workflow?.version).toBe(3);
    expect(st().nodes[0]!.data.config.token).toBe('new-token');
  });
});

describe('the latest run on the canvas', () => {
  beforeEach(() => st().load(wf));

  it('is painted only when it ran the version being edited', () => {
    st().setRun(runOf('ex_old', 1, [step('hook', 'success', { body: 'old' })]));
    expect(st().run?.executionId).toBe('ex_old');
    expect(selectShownRun(st())).toBeNull();
    // Its outputs still feed the data picker.
    expect(st().sampleData.hook).toEqual({ body: 'old' });

    st().setRun(runOf('ex_now', 2, [step('hook', 'success')]));
    expect(selectShownRun(st())?.executionId).toBe('ex_now');
    // Saving a new version: that run ran the one before, so it comes off this graph.
    st().markSaved({ ...wf, version: 3 }, st().revision);
    expect(selectShownRun(st())).toBeNull();
  });
});
