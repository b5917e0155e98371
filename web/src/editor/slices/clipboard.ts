/** Copy and paste of the selected nodes and the edges between them (ids renamed, pasted offset). */
import type { WorkflowNode } from '#shared/workflow.ts';
import { fromFlow, toFlowNode, type FlowEdge, type FlowNode, type GraphDocument } from '../mapping.ts';
import { isTriggerType as isTrigger, uniqueNodeId, withoutHidden } from '../node-helpers.ts';
import type { SliceContext } from './context.ts';

type Clipboard = { nodes: WorkflowNode[]; edges: GraphDocument['edges'] };

export type ClipboardSlice = {
  clipboard: Clipboard | null;
  pasteCount: number;
  copySelection(): number;
  paste(): number;
};

export function clipboardSlice(c: SliceContext): ClipboardSlice {
  const { set, get, commit, touched } = c;
  return {
    clipboard: null,
    pasteCount: 0,

    copySelection() {
      const { nodes, edges } = get();
      const picked = nodes.filter((n) => n.selected);
      if (picked.length === 0) return 0;
      const ids = new Set(picked.map((n) => n.id));
      const doc = fromFlow(
        picked,
        edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
      );
      set({ clipboard: doc, pasteCount: 0 });
      return picked.length;
    },

    paste() {
      const { clipboard, nodes, replay } = get();
      // Copying from a past execution's graph is fine; pasting waits until back to editing.
      if (replay || !clipboard || clipboard.nodes.length === 0) return 0;
      const hasTrigger = nodes.some((n) => isTrigger(n.data.type));
      const taken = new Set(nodes.map((n) => n.id));
      const rename = new Map<string, string>();
      const offset = 40 * (get().pasteCount + 1);
      const added: FlowNode[] = [];
      for (const n of clipboard.nodes) {
        // A workflow has exactly one trigger; a copied trigger is left out when one exists.
        if (hasTrigger && isTrigger(n.type)) continue;
        const id = uniqueNodeId(n.type, taken);
        taken.add(id);
        rename.set(n.id, id);
        const copy = toFlowNode({ ...n, id, position: { x: n.position.x + offset, y: n.position.y + offset }, config: withoutHidden(n.type, structuredClone(n.config)) });
        added.push({ ...copy, selected: true });
      }
      if (added.length === 0) return 0;
      commit();
      const newEdges: FlowEdge[] = clipboard.edges.flatMap((e) => {
        const source = rename.get(e.source);
        const target = rename.get(e.target);
        if (!source || !target) return [];
        const edge: FlowEdge = { id: `e_${source}_${target}${e.sourceHandle ? `_${e.sourceHandle}` : ''}`, source, target };
        if (e.sourceHandle) Object.assign(edge, { sourceHandle: e.sourceHandle, label: e.sourceHandle });
        return [edge];
      });
      set((s) => ({
        nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added],
        edges: [...s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...newEdges],
        selectedNodeId: added.length === 1 ? added[0]!.id : null,
        pasteCount: s.pasteCount + 1,
      }));
      touched();
      return added.length;
    },
  };
}
