/** The React Flow canvas: nodes and edges from the store, drop from the palette, connect rules, a connection dropped on empty canvas opening the step picker, minimap; read-only while a past execution is shown. */
import { Background, Controls, MiniMap, ReactFlow, useReactFlow, type AriaLabelConfig, type Connection, type Edge, type IsValidConnection, type OnConnectEnd } from '@xyflow/react';
import { useCallback, useMemo, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { FlowNode } from './mapping.ts';
import { LoopLanes } from './loop-lanes.tsx';
import { nodeTypes } from './node-types.ts';
import { DRAG_MIME } from './palette.tsx';
import { addNodeWithFeedback } from './canvas-add.ts';
import { NodePicker, useNodePicker } from './node-picker.tsx';
import { isReadOnly, useEditorStore } from './store.ts';

const selector = (s: ReturnType<typeof useEditorStore.getState>) => ({
  nodes: s.nodes,
  edges: s.edges,
  onNodesChange: s.onNodesChange,
  onEdgesChange: s.onEdgesChange,
  onConnect: s.onConnect,
  beginDrag: s.beginDrag,
});

const minimapColor = (n: FlowNode) => {
  const cat = getNodeDefinition(n.data.type)?.category;
  return cat === 'trigger' ? '#f59e0b' : cat === 'logic' ? '#8b5cf6' : cat === 'action' ? '#3b82f6' : '#10b981';
};

/**
 * What a screen reader hears on the canvas. React Flow's keyboard support is used as it is: Tab
 * reaches each node, Enter or Space selects it (Escape clears), the arrow keys move the selected
 * nodes 5 px (20 with Shift); Delete and undo are the editor's shortcuts (editor-page.tsx).
 */
const ARIA_LABELS: Partial<AriaLabelConfig> = {
  'node.a11yDescription.default':
    'Press Enter or Space to select this step; then the arrow keys move it (hold Shift for bigger steps), Delete removes it, and Escape clears the selection. Ctrl+Z undoes.',
  'edge.a11yDescription.default': 'Press Enter or Space to select this connection; then Delete removes it.',
  'node.a11yDescription.ariaLiveMessage': ({ direction, x, y }) => `Moved ${direction}, to x ${x}, y ${y}`,
  'controls.ariaLabel': 'Zoom controls',
  'controls.zoomIn.ariaLabel': 'Zoom in',
  'controls.zoomOut.ariaLabel': 'Zoom out',
  'controls.fitView.ariaLabel': 'Fit the view',
  'minimap.ariaLabel': 'Minimap',
};

/** Each node named by its visible title and id; cached per node object, so unchanged nodes keep their identity for React Flow. */
const labelled = new WeakMap<FlowNode, FlowNode>();
function withAriaLabel(n: FlowNode): FlowNode {
  let out = labelled.get(n);
  if (!out) {
    out = { ...n, ariaLabel: `${n.data.name || getNodeDefinition(n.data.type)?.title || n.data.type} (${n.id})` };
    labelled.set(n, out);
  }
  return out;
}

export function Canvas() {
  const { nodes: storedNodes, edges: stored, onNodesChange, onEdgesChange, onConnect, beginDrag } = useEditorStore(useShallow(selector));
  const nodes = useMemo(() => storedNodes.map(withAriaLabel), [storedNodes]);
  // Edges a fault is pinned on (the one closing a cycle, one from a missing handle) are marked.
  const faulty = useEditorStore(useShallow((s) => [...s.graphIssues, ...s.serverIssues].flatMap((i) => (i.edgeId ? [i.edgeId] : []))));
  const edges = useMemo(() => (faulty.length ? stored.map((e) => (faulty.includes(e.id) ? { ...e, className: 'edge-fault' } : e)) : stored), [stored, faulty]);
  const { screenToFlowPosition } = useReactFlow();
  const readOnly = useEditorStore(isReadOnly);

  const isValidConnection: IsValidConnection = useCallback((c: Connection | Edge) => {
    if (c.source === c.target) return false;
    const { nodes: all, edges: existing } = useEditorStore.getState();
    const target = all.find((n) => n.id === c.target);
    if (!target || getNodeDefinition(target.data.type)?.kind === 'trigger') return false;
    return !existing.some((e) => e.source === c.source && e.target === c.target && (e.sourceHandle ?? null) === (c.sourceHandle ?? null));
  }, []);

  // A connection dropped on empty canvas: pick the step to put there, connected from that output.
  const onConnectEnd: OnConnectEnd = useCallback(
    (event, state) => {
      if (isReadOnly(useEditorStore.getState()) || state.isValid || state.toNode || !state.fromNode || state.fromHandle?.type !== 'source') return;
      const p = 'changedTouches' in event ? event.changedTouches[0]! : event;
      const flow = screenToFlowPosition({ x: p.clientX, y: p.clientY });
      useNodePicker.getState().open({
        fromId: state.fromNode.id,
        handle: state.fromHandle.id ?? null,
        screen: { x: p.clientX, y: p.clientY },
        flow: { x: Math.round(flow.x), y: Math.round(flow.y - 30) },
      });
    },
    [screenToFlowPosition],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      e.preventDefault();
      const type = e.dataTransfer.getData(DRAG_MIME) || e.dataTransfer.getData('text/plain');
      if (!type || !getNodeDefinition(type) || isReadOnly(useEditorStore.getState())) return;
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      addNodeWithFeedback(type, { x: Math.round(p.x - 110), y: Math.round(p.y - 30) });
    },
    [screenToFlowPosition],
  );

  return (
    <div className="canvas" onDrop={onDrop} onDragOver={onDragOver}>
      <ReactFlow<FlowNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStart={beginDrag}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        onNodeDoubleClick={(_, n) => {
          // Double-click renames: select it, then put the caret in the panel's name field.
          // The panel may still show the previous node for a frame or two on a busy machine: wait
          // (a few frames at most) for this node's name field, so the typing renames the right one.
          useEditorStore.getState().select(n.id);
          const focusName = (framesLeft: number) => {
            const input = document.querySelector<HTMLInputElement>(`.node-panel[data-node-id="${CSS.escape(n.id)}"] input[aria-label="Node name"]`);
            if (input) {
              input.focus();
              input.select();
            } else if (framesLeft > 0) requestAnimationFrame(() => focusName(framesLeft - 1));
          };
          requestAnimationFrame(() => focusName(30));
        }}
        onSelectionDragStart={beginDrag}
        onSelectionChange={({ nodes: sel }) => {
          const next = sel.length === 1 ? sel[0]!.id : null;
          if (useEditorStore.getState().selectedNodeId !== next) useEditorStore.setState({ selectedNodeId: next });
        }}
        zoomOnDoubleClick={false}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        defaultEdgeOptions={{ type: 'smoothstep' }}
        minZoom={0.1}
        maxZoom={2}
        fitView
        fitViewOptions={{ padding: 0.3, maxZoom: 1 }}
        colorMode="system"
        ariaLabelConfig={ARIA_LABELS}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        <LoopLanes />
        <MiniMap<FlowNode> pannable zoomable nodeColor={minimapColor} />
        <Controls showInteractive={false} />
      </ReactFlow>
      <NodePicker />
      {nodes.length === 0 && (
        <div className="canvas-empty">
          <div className="canvas-empty-card">
            <div className="empty-icon" aria-hidden="true">
              ⚡
            </div>
            <h2>Start with a trigger</h2>
            <p>Every workflow begins with one trigger: a Webhook for incoming requests, a Schedule, or polling an API. Drag one from the left, or click it.</p>
          </div>
        </div>
      )}
    </div>
  );
}
