import { describe, expect, it } from 'vitest';
import type { Workflow } from '#shared/workflow.ts';
import { useEditorStore } from './store.ts';

const wf: Workflow = {
  id: 'wf_1', name: 'T', active: false, version: 1, triggers: [], settings: {}, createdAt: '', updatedAt: '',
  nodes: [{ id: 'manual', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} }],
  edges: [],
};

describe('editor store', () => {
  it('adds, connects and re-validates the graph', async () => {
    const s = useEditorStore.getState();
    s.load(wf);
    const id = s.addNode('action.http', { x: 300, y: 0 });
    expect(id).toBe('http');
    useEditorStore.getState().onConnect({ source: 'manual', target: 'http', sourceHandle: null, targetHandle: null });
    await new Promise((r) => setTimeout(r, 300));
    const issues = useEditorStore.getState().graphIssues;
    expect(issues.map((i) => `${i.nodeId} ${i.path} ${i.message}`)).toEqual(['http config.url required']);
  });
});

describe('editor store history and clipboard', () => {
  it('undoes and redoes, and copies with fresh ids and no server-assigned fields', () => {
    const s = useEditorStore.getState();
    s.load({ ...wf, nodes: [{ id: 'webhook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: { token: 'secret-token', methods: ['POST'] } }] });
    s.addNode('action.http', { x: 300, y: 0 });
    expect(useEditorStore.getState().nodes.map((n) => n.id)).toEqual(['webhook', 'http']);
    useEditorStore.getState().undo();
    expect(useEditorStore.getState().nodes.map((n) => n.id)).toEqual(['webhook']);
    useEditorStore.getState().redo();
    expect(useEditorStore.getState().nodes.map((n) => n.id)).toEqual(['webhook', 'http']);

    // A second trigger is refused; a copied trigger is left out when one exists.
    expect(useEditorStore.getState().addNode('trigger.schedule', { x: 0, y: 0 })).toBeNull();
    useEditorStore.setState((st) => ({ nodes: st.nodes.map((n) => ({ ...n, selected: true })) }));
    expect(useEditorStore.getState().copySelection()).toBe(2);
    expect(useEditorStore.getState().paste()).toBe(1);
    const ids = useEditorStore.getState().nodes.map((n) => n.id);
    expect(ids).toEqual(['webhook', 'http', 'http_2']);

    useEditorStore.getState().deleteSelection();
    expect(useEditorStore.getState().nodes.map((n) => n.id)).toEqual(['webhook', 'http']);
  });

  it('keeps typing in one field as one undo step and drops the stale server issue', () => {
    const s = useEditorStore.getState();
    s.load({ ...wf, nodes: [...wf.nodes, { id: 'http', type: 'action.http', position: { x: 0, y: 0 }, config: {} }] });
    s.setServerIssues([{ path: 'nodes.1.config.url', message: 'Invalid input: expected string, received undefined' }], s.toDocument());
    expect(useEditorStore.getState().serverIssues).toEqual([{ nodeId: 'http', path: 'config.url', message: 'required' }]);
    s.updateConfig('http', { url: 'h' });
    s.updateConfig('http', { url: 'ht' });
    s.updateConfig('http', { url: 'http://x' });
    expect(useEditorStore.getState().serverIssues).toEqual([]);
    expect(useEditorStore.getState().past).toHaveLength(1);
    useEditorStore.getState().undo();
    expect(useEditorStore.getState().nodes[1]!.data.config.url).toBeUndefined();
  });

  it('undoes a rename of the workflow, typing coalesced into one step, and redoes it', () => {
    const s = useEditorStore.getState();
    s.load({ ...wf, name: 'Orders' });
    for (const name of ['Orders s', 'Orders sy', 'Orders sync']) useEditorStore.getState().setName(name);
    useEditorStore.getState().undo();
    expect(useEditorStore.getState().name).toBe('Orders');
    useEditorStore.getState().redo();
    expect(useEditorStore.getState().name).toBe('Orders sync');
  });
});
