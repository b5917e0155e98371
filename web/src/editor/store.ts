/**
 * The one editor store (zustand): the open draft's nodes and edges, selection, undo/redo history,
 * clipboard, validation issues (local and server) and the latest run's per-node results.
 * Server data other than the open draft lives in the pages, fetched through api/client.ts.
 */
import { addEdge, applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from '@xyflow/react';
import { create } from 'zustand';
import type { Issue } from '#shared/issues.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { ExecutionStatus, Step } from '#shared/execution.ts';
import type { Workflow, WorkflowNode } from '#shared/workflow.ts';
import { fromFlow, toFlow, toFlowNode, type FlowEdge, type FlowNode, type GraphDocument, type WorkflowNodeData } from './mapping.ts';
import { isTriggerType as isTrigger, uniqueNodeId, withoutHidden } from './node-helpers.ts';
import { checkGraph, compilerReady } from './graph-check.ts';
import { toNodeIssues, type NodeIssue } from './node-issues.ts';
import { defaultConfig } from './schema.ts';

export type { NodeIssue };


export type RunState = {
  executionId: string;
  status: ExecutionStatus;
  steps: Record<string, Step>;
};

type Snapshot = { nodes: FlowNode[]; edges: FlowEdge[] };

type Clipboard = { nodes: WorkflowNode[]; edges: GraphDocument['edges'] };

export type EditorState = {
  /** The last copy the server returned (id, active, version, derived triggers). */
  workflow: Workflow | null;
  name: string;
  nodes: FlowNode[];
  edges: FlowEdge[];
  selectedNodeId: string | null;
  /** Issues the server returned on activation, re-keyed to node ids. */
  serverIssues: NodeIssue[];
  /** Whole-graph issues computed locally (debounced) from the same validator the server uses. */
  graphIssues: NodeIssue[];
  run: RunState | null;
  /** Known output per node: a captured trigger sample or the last run's step output; feeds the data picker. */
  sampleData: Record<string, unknown>;
  /** Bumped by every change to the document; compared with `savedRevision` for "unsaved changes". */
  revision: number;
  savedRevision: number;
  past: Snapshot[];
  future: Snapshot[];
  clipboard: Clipboard | null;
  pasteCount: number;
  /** What the toolbar is waiting on, if anything. */
  busy: 'saving' | 'activating' | 'deactivating' | 'running' | null;

  load(workflow: Workflow): void;
  setBusy(busy: EditorState['busy']): void;
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
  copySelection(): number;
  paste(): number;
  undo(): void;
  redo(): void;
  applyLayout(positions: Record<string, { x: number; y: number }>): void;
  toDocument(): GraphDocument;
  /** After a successful save: adopt server-assigned values (webhook tokens) and mark clean. */
  markSaved(workflow: Workflow, revisionAtSave: number): void;
  setWorkflowMeta(workflow: Workflow): void;
  setServerIssues(issues: readonly Issue[], doc: GraphDocument): void;
  setRun(run: RunState | null): void;
  setRunStatus(executionId: string, status: ExecutionStatus): void;
  mergeStep(executionId: string, step: Step): void;
  setSample(nodeId: string, sample: unknown): void;
};

const HISTORY_LIMIT = 100;
const COALESCE_MS = 800;
let lastCommit = { key: '', at: 0 };
let graphTimer: ReturnType<typeof setTimeout> | undefined;

export const useEditorStore = create<EditorState>()((set, get) => {
  /** Records an undo point; repeated edits with the same key in quick succession share one. */
  const commit = (key = '') => {
    const now = Date.now();
    if (key && key === lastCommit.key && now - lastCommit.at < COALESCE_MS) {
      lastCommit.at = now;
      return;
    }
    lastCommit = { key, at: now };
    const { nodes, edges, past } = get();
    set({ past: [...past.slice(-(HISTORY_LIMIT - 1)), { nodes, edges }], future: [] });
  };

  /** Marks the document changed and schedules the whole-graph check. */
  const touched = () => {
    set((s) => ({ revision: s.revision + 1 }));
    clearTimeout(graphTimer);
    graphTimer = setTimeout(() => {
      const doc = get().toDocument();
      set({ graphIssues: toNodeIssues(checkGraph(doc), doc) });
    }, 250);
  };

  const takenIds = () => new Set(get().nodes.map((n) => n.id));

  return {
    workflow: null,
    name: '',
    nodes: [],
    edges: [],
    selectedNodeId: null,
    serverIssues: [],
    graphIssues: [],
    run: null,
    sampleData: {},
    revision: 0,
    savedRevision: 0,
    past: [],
    future: [],
    clipboard: null,
    pasteCount: 0,
    busy: null,

    setBusy(busy) {
      set({ busy });
    },

    load(workflow) {
      const flow = toFlow(workflow);
      lastCommit = { key: '', at: 0 };
      set({
        workflow,
        name: workflow.name,
        nodes: flow.nodes,
        edges: flow.edges,
        selectedNodeId: null,
        serverIssues: [],
        run: null,
        sampleData: {},
        revision: 0,
        savedRevision: 0,
        past: [],
        future: [],
        pasteCount: 0,
        graphIssues: toNodeIssues(checkGraph(workflow), workflow),
      });
      // Expression faults join the list as soon as the compiler is there.
      void compilerReady.then(() => {
        if (get().workflow?.id !== workflow.id) return;
        const doc = get().toDocument();
        set({ graphIssues: toNodeIssues(checkGraph(doc), doc) });
      });
    },

    setName(name) {
      commit('name');
      set({ name });
      touched();
    },

    onNodesChange(changes) {
      const removes = changes.some((c) => c.type === 'remove');
      if (removes) commit();
      set((s) => ({ nodes: applyNodeChanges(changes, s.nodes) }));
      // Selection and measurement are view state; a finished drag or a removal changes the document.
      if (removes || changes.some((c) => c.type === 'position' && c.dragging === false)) touched();
    },

    onEdgesChange(changes) {
      const removes = changes.some((c) => c.type === 'remove');
      if (removes) commit();
      set((s) => ({ edges: applyEdgeChanges(changes, s.edges) }));
      if (removes) touched();
    },

    onConnect(connection) {
      const { source, target } = connection;
      if (!source || !target || source === target) return;
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
      commit();
    },

    addNode(type, position) {
      const def = getNodeDefinition(type);
      if (!def) return null;
      if (def.kind === 'trigger' && get().nodes.some((n) => isTrigger(n.data.type))) return null;
      commit();
      const id = uniqueNodeId(type, takenIds());
      const node: FlowNode = { ...toFlowNode({ id, type, position, config: defaultConfig(def) }), selected: true };
      set((s) => ({ nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node], selectedNodeId: id }));
      touched();
      return id;
    },

    updateConfig(nodeId, patch) {
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
      if (gone.size === 0 && edgesLeft.length === edges.length) return;
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
      const { clipboard, nodes } = get();
      if (!clipboard || clipboard.nodes.length === 0) return 0;
      const hasTrigger = nodes.some((n) => isTrigger(n.data.type));
      const taken = takenIds();
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

    undo() {
      const { past, nodes, edges, future } = get();
      const prev = past[past.length - 1];
      if (!prev) return;
      lastCommit = { key: '', at: 0 };
      set({ past: past.slice(0, -1), future: [{ nodes, edges }, ...future], nodes: prev.nodes, edges: prev.edges });
      touched();
    },

    redo() {
      const { past, nodes, edges, future } = get();
      const next = future[0];
      if (!next) return;
      lastCommit = { key: '', at: 0 };
      set({ future: future.slice(1), past: [...past, { nodes, edges }], nodes: next.nodes, edges: next.edges });
      touched();
    },

    applyLayout(positions) {
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
      set((s) => ({
        workflow,
        savedRevision: Math.max(s.savedRevision, revisionAtSave),
        nodes: s.nodes.map((n) => {
          const saved = byId.get(n.id);
          const def = getNodeDefinition(n.data.type);
          if (!saved || !def) return n;
          // Adopt only server-assigned (hidden) fields, so edits made during the save survive.
          const patch: Record<string, unknown> = {};
          for (const [key, hint] of Object.entries(def.ui) as [string, { hidden?: boolean }][]) {
            if (hint.hidden && saved.config[key] !== n.data.config[key]) patch[key] = saved.config[key];
          }
          return Object.keys(patch).length ? { ...n, data: { ...n.data, config: { ...n.data.config, ...patch } } } : n;
        }),
      }));
    },

    setWorkflowMeta(workflow) {
      set({ workflow });
    },

    setServerIssues(issues, doc) {
      // Recompute the local check too, so both lists describe the same document.
      const current = get().toDocument();
      set({ serverIssues: toNodeIssues(issues, doc), graphIssues: toNodeIssues(checkGraph(current), current) });
    },

    setRunStatus(executionId, status) {
      set((s) => (s.run && s.run.executionId === executionId && s.run.status !== status ? { run: { ...s.run, status } } : s));
    },

    setRun(run) {
      set((s) => {
        if (!run) return { run };
        const sampleData = { ...s.sampleData };
        for (const [nodeId, step] of Object.entries(run.steps)) if (step.status === 'success') sampleData[nodeId] = step.output;
        return { run, sampleData };
      });
    },

    mergeStep(executionId, step) {
      set((s) => {
        if (!s.run || s.run.executionId !== executionId) return s;
        const sampleData = step.status === 'success' ? { ...s.sampleData, [step.nodeId]: step.output } : s.sampleData;
        return { run: { ...s.run, steps: { ...s.run.steps, [step.nodeId]: step } }, sampleData };
      });
    },

    setSample(nodeId, sample) {
      set((s) => ({ sampleData: { ...s.sampleData, [nodeId]: sample } }));
    },
  };
});

/** True when the draft differs from what was last saved. */
export const selectIsDirty = (s: EditorState) => s.revision !== s.savedRevision;
