/** The store's side of moving nodes from the keyboard: arrow-key moves are saved in the draft and undone like a drag. */
import { describe, expect, it } from 'vitest';
import type { Workflow } from '#shared/workflow.ts';
import { useEditorStore } from './store.ts';

const wf: Workflow = {
  id: 'wf_1', name: 'T', active: false, version: 1, triggers: [], settings: {}, createdAt: '', updatedAt: '',
  nodes: [
    { id: 'manual', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
    { id: 'http', type: 'action.http', position: { x: 300, y: 0 }, config: { url: 'http://x' } },
  ],
  edges: [],
};
const position = (id: string) => useEditorStore.getState().nodes.find((n) => n.id === id)!.position;

describe('editor store, keyboard moves', () => {
  it('records a run of arrow-key moves (finished moves of a node not being dragged) as one undo step that marks the draft changed', () => {
    const s = useEditorStore.getState();
    s.load(wf);
    // What React Flow sends for each arrow press on a selected node: a finished position change.
    for (const x of [305, 310, 330]) s.onNodesChange([{ type: 'position', id: 'http', position: { x, y: 0 }, dragging: false }]);
    expect(position('http')).toEqual({ x: 330, y: 0 });
    expect(useEditorStore.getState().past).toHaveLength(1);
    expect(useEditorStore.getState().revision).toBeGreaterThan(useEditorStore.getState().savedRevision);
    expect(useEditorStore.getState().toDocument().nodes.find((n) => n.id === 'http')!.position).toEqual({ x: 330, y: 0 });
    useEditorStore.getState().undo();
    expect(position('http')).toEqual({ x: 300, y: 0 });
  });

  it('leaves a drag at the one undo point its start recorded', () => {
    const s = useEditorStore.getState();
    s.load(wf);
    s.beginDrag();
    s.onNodesChange([{ type: 'position', id: 'http', position: { x: 350, y: 20 }, dragging: true }]);
    s.onNodesChange([{ type: 'position', id: 'http', position: { x: 400, y: 40 }, dragging: true }]);
    s.onNodesChange([{ type: 'position', id: 'http', position: { x: 400, y: 40 }, dragging: false }]);
    expect(useEditorStore.getState().past).toHaveLength(1);
    useEditorStore.getState().undo();
    expect(position('http')).toEqual({ x: 300, y: 0 });
  });
});
