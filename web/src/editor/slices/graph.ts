/**
 * The draft itself: the workflow's name, nodes and edges (React Flow's shapes), the selection,
 * what the server last returned, and the revision counters behind "unsaved changes".
 */
import { addEdge, applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from '@xyflow/react';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { Workflow } from '#shared/workflow.ts';
import { checkGraph, compilerReady } from '../graph-check.ts';
import { fromFlow, toFlow, toFlowNode, type FlowEdge, type FlowNode, type GraphDocument, type WorkflowNodeData } from '../mapping.ts';
import { isTriggerType as isTrigger, uniqueNodeId } from '../node-helpers.ts';
import { toNodeIssues } from '../node-issues.ts';
import { defaultConfig } from '../schema.ts';
import type { SliceContext } from './context.ts';
import { isReadOnly } from './replay.ts';
import { recheck } from './validation.ts';

export type GraphSlice = {
  /** The last copy the server returned (id, active, version, derived triggers). */
  workflow: Workflow | null;
  name: string;
  nodes: FlowNode[];
  edges: FlowEdge[];
  selectedNodeId: string | null;
  /** Bumped by every change to the document; compared with `savedRevision` for "unsaved changes". */
  revision: number;
  savedRevision: number;
  /** What the toolbar is waiting on, if anything. */
  busy: 'saving' | 'activating' | 'deactivating' | 'running' | null;

  load(workflow: Workflow): void;
  setBusy(busy: GraphSlice['busy']): void;
  setName(name: string): void;
  onNodesChange(changes: NodeChange<FlowNode>[]): void;
  onEdgesChange(changes: EdgeChange<FlowEdge>[]): void;
  onConnect(connection: Connection): void;
  /** Call when a drag starts, so the move can be undone in one step. */
  beginDrag(): void;
  addNode(type: string, position: { x: number; y: number }): string | null;
  updateConfig(nodeId: string, patch: Record<string, unknown>): void;
  updateNode(nodeId: string, patch: Partial<Omit<WorkflowNodeData, 'type' | 'config'>>): void;
  select(nodeId: string | null): void;
  deleteSelection(): void;
  deleteNode(nodeId: string): void;
  applyLayout(positions: Record<string, { x: number; y: number }>): void;
  toDocument(): GraphDocument;
  /** After a successful save: adopt server-assigned values (webhook tokens) and mark clean. */
  markSaved(workflow: Workflow, revisionAtSave: number): void;
  setWorkflowMeta(workflow: Workflow): void;
};

export function graphSlice(c: SliceContext, resetHistory: () => void): GraphSlice {
  const { set, get, commit, touched } = c;
  const takenIds = () => new Set(get().nodes.map((n) => n.id));
  /** While a past execution is viewed, nothing edits (slices/replay.ts). */
  const readOnly = () => isReadOnly(get());
  return {
    workflow: null,
    name: '',
    nodes: [],
    edges: [],
    selectedNodeId: null,
    revision: 0,
    savedRevision: 0,
    busy: null,

    setBusy(busy) {
      set({ busy });
    },

    load(workflow) {
      const flow = toFlow(workflow);
      resetHistory();
      set({
        workflow,
        name: workflow.name,
        nodes: flow.nodes,
        edges: flow.edges,
        selectedNodeId: null,
        serverIssues: [],
        run: null,
        sampleData: {},
        sampleSources: {},
        revision: 0,
        savedRevision: 0,
        past: [],
        future: [],
        pasteCount: 0,
        replay: null,
        graphIssues: toNodeIssues(checkGraph(workflow), workflow),
      });
      // Expression faults join the list as soon as the compiler is there.
      void compilerReady.then(() => {
        if (get().workflow?.id === workflow.id) recheck(c);
      });
    },

    setName(name) {
      if (readOnly()) return;
      commit('name');
      set({ name });
      touched();
    },

    onNodesChange(changes) {
      // Viewing a past execution, only React Flow's view state (selection, measured size) applies.
      if (readOnly()) changes = changes.filter((ch) => ch.type === 'select' || ch.type === 'dimensions');
      const removes = changes.some((c) => c.type === 'remove');
      // A drag records its undo point when it starts (beginDrag). A move that arrives finished
      // (dragging false) on a node that was not being dragged is the arrow keys (React Flow moves
      // selected, focused nodes by 5 px, 20 with Shift); a run of presses is one undo step.
      const nudged = changes.flatMap((c) => (c.type === 'position' && c.dragging === false && !get().nodes.find((n) => n.id === c.id)?.dragging ? [c.id] : []));
      if (removes) commit();
      else if (nudged.length) commit(`nudge:${nudged.sort().join(',')}`);
      set((s) => ({ nodes: applyNodeChanges(changes, s.nodes) }));
      // Selection and measurement are view state; a finished drag or a removal changes the document.
      if (removes || changes.some((c) => c.type === 'position' && c.dragging === false)) touched();
    },

    onEdgesChange(changes) {
      if (readOnly()) changes = changes.filter((ch) => ch.type === 'select');
      const removes = changes.some((c) => c.type === 'remove');
      if (removes) commit();
      set((s) => ({ edges: applyEdgeChanges(changes, s.edges) }));
      if (removes) touched();
    },

    onConnect(connection) {
      const { source, target } = connection;
      if (!source || !target || source === target || readOnly()) return;
      commit();
      const handle = connection.sourceHandle ?? null;
      const taken = new Set(get().edges.map((e) => e.id));
      let id = `e_${source}_${target}${handle ? `_${handle}` : ''}`;
      for (let i = 2; taken.has(id); i++) id = `e_${source}_${target}_${i}`;
      const edge: FlowEdge = { id, source, target, sourceHandle: handle, targetHandle: connection.targetHandle ?? null };
      if (handle) edge.label = handle;
      set((s) => ({ edges: addEdge(edge, s.edges) }));
      touched();
    },

    beginDrag() {
      if (!readOnly()) commit();
    },

    addNode(type, position) {
      const def = getNodeDefinition(type);
      if (!def || readOnly()) return null;
      if (def.kind === 'trigger' && get().nodes.some((n) => isTrigger(n.data.type))) return null;
      commit();
      const id = uniqueNodeId(type, takenIds());
      const node: FlowNode = { ...toFlowNode({ id, type, position, config: defaultConfig(def) }), selected: true };
      set((s) => ({ nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node], selectedNodeId: id }));
      touched();
      return id;
    },

    updateConfig(nodeId, patch) {
      if (readOnly()) return;
      commit(`config:${nodeId}:${Object.keys(patch).join(',')}`);
      set((s) => ({
        nodes: s.nodes.map((n) => {
          if (n.id !== nodeId) return n;
          const config = { ...n.data.config };
          for (const [k, v] of Object.entries(patch)) {
            if (v === undefined) delete config[k];
            else config[k] = v;
          }
          return { ...n, data: { ...n.data, config } };
        }),
        // An edited field's server issue is stale; the local check takes over.
        serverIssues: s.serverIssues.filter(
          (i) => i.nodeId !== nodeId || !Object.keys(patch).some((k) => i.path === `config.${k}` || i.path.startsWith(`config.${k}.`)),
        ),
      }));
      touched();
    },

    updateNode(nodeId, patch) {
      if (readOnly()) return;
      commit(`node:${nodeId}:${Object.keys(patch).join(',')}`);
      set((s) => ({
        nodes: s.nodes.map((n) => {
          if (n.id !== nodeId) return n;
          const data = { ...n.data, ...patch };
          for (const [k, v] of Object.entries(patch)) if (v === undefined) delete data[k as keyof typeof data];
          return { ...n, data };
        }),
      }));
      touched();
    },

    select(nodeId) {
      set((s) => ({
        selectedNodeId: nodeId,
        nodes: s.nodes.map((n) => {
          const selected = n.id === nodeId;
          return n.selected === selected ? n : { ...n, selected };
        }),
      }));
    },

    deleteSelection() {
      const { nodes, edges } = get();
      const gone = new Set(nodes.filter((n) => n.selected).map((n) => n.id));
      const edgesLeft = edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
      if (readOnly() || (gone.size === 0 && edgesLeft.length === edges.length)) return;
      commit();
      set((s) => ({
        nodes: nodes.filter((n) => !gone.has(n.id)),
        edges: edgesLeft,
        selectedNodeId: s.selectedNodeId && gone.has(s.selectedNodeId) ? null : s.selectedNodeId,
        serverIssues: s.serverIssues.filter((i) => !i.nodeId || !gone.has(i.nodeId)),
      }));
      touched();
    },

    deleteNode(nodeId) {
      get().select(nodeId);
      get().deleteSelection();
    },

    applyLayout(positions) {
      if (readOnly()) return;
      commit();
      set((s) => ({ nodes: s.nodes.map((n) => (positions[n.id] ? { ...n, position: positions[n.id]! } : n)) }));
      touched();
    },

    toDocument() {
      const { nodes, edges } = get();
      return fromFlow(nodes, edges);
    },

    markSaved(workflow, revisionAtSave) {
      const byId = new Map(workflow.nodes.map((n) => [n.id, n]));
      const adopt = (nodes: FlowNode[]) =>
        nodes.map((n) => {
          const saved = byId.get(n.id);
          const def = getNodeDefinition(n.data.type);
          if (!saved || !def) return n;
          // Adopt only server-assigned (hidden) fields, so edits made during the save survive.
          const patch: Record<string, unknown> = {};
          for (const [key, hint] of Object.entries(def.ui) as [string, { hidden?: boolean }][]) {
            if (hint.hidden && saved.config[key] !== n.data.config[key]) patch[key] = saved.config[key];
          }
          return Object.keys(patch).length ? { ...n, data: { ...n.data, config: { ...n.data.config, ...patch } } } : n;
        });
      set((s) => ({
        workflow,
        savedRevision: Math.max(s.savedRevision, revisionAtSave),
        // A save that lands while a past execution is viewed belongs to the draft set aside.
        ...(s.replay ? { replay: { ...s.replay, draft: { ...s.replay.draft, nodes: adopt(s.replay.draft.nodes) } } } : { nodes: adopt(s.nodes) }),
      }));
    },

    setWorkflowMeta(workflow) {
      set({ workflow });
    },
  };
}
