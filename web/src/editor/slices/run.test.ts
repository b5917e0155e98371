import { describe, expect, it } from 'vitest';
import type { Step } from '#shared/execution.ts';
import type { Workflow } from '#shared/workflow.ts';
import { useEditorStore } from '../store.ts';
import { sampleLabel } from '../sample-label.ts';

const wf: Workflow = {
  id: 'wf_1', name: 'T', active: false, version: 1, triggers: [], settings: {}, createdAt: '', updatedAt: '',
  nodes: [{ id: 'webhook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: { token: 't'.repeat(24), methods: ['POST'] } }],
  edges: [],
};

function step(output: unknown, finishedAt: string): Step {
  return { nodeId: 'webhook', status: 'success', output, startedAt: finishedAt, finishedAt } as Step;
}

describe('sample data: one sample per node, the newest wins whatever order the fetches finish in', () => {
  it('keeps a newer run over an older test event, and a newer test event over an older run', () => {
    const s = useEditorStore.getState();
    s.load(wf);
    s.setRun({ executionId: 'exe_1', status: 'success', version: 1, steps: { webhook: step({ body: { plan: 'real' } }, '2026-12-01T10:00:05Z') } });
    // The test-event fetch that started first finishes last: it must not hide the newer run.
    useEditorStore.getState().setSample('webhook', { body: { plan: 'test' } }, { kind: 'test-event', at: '2026-12-01T10:00:00Z' });
    expect(useEditorStore.getState().sampleData.webhook).toEqual({ body: { plan: 'real' } });
    expect(sampleLabel(useEditorStore.getState().sampleSources.webhook, Date.parse('2026-12-01T10:00:10Z'))).toBe('From run exe_1, just now');

    useEditorStore.getState().setSample('webhook', { body: { plan: 'test 2' } }, { kind: 'test-event', at: '2026-12-01T10:01:00Z' });
    expect(useEditorStore.getState().sampleData.webhook).toEqual({ body: { plan: 'test 2' } });
    expect(useEditorStore.getState().sampleSources.webhook?.kind).toBe('test-event');
  });

  it('forgets samples and their sources when another workflow loads', () => {
    useEditorStore.getState().setSample('webhook', { a: 1 }, { kind: 'test-event', at: null });
    useEditorStore.getState().load(wf);
    expect(useEditorStore.getState().sampleData).toEqual({});
    expect(useEditorStore.getState().sampleSources).toEqual({});
    expect(sampleLabel(undefined)).toBe('Declared sample (no run yet)');
  });
});
