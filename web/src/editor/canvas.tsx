/** The React Flow canvas: nodes and edges from the store, drop from the palette, connect rules, a connection dropped on empty canvas opening the step picker, minimap; read-only while a past execution is shown. */
import { Background, Controls, MiniMap, ReactFlow, useReactFlow, type Connection, type Edge, type IsValidConnection, type OnConnectEnd } from '@xyflow/react';
import { useCallback, useMemo, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { FlowNode } from './mapping.ts';
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

export function Canvas() {
  const { nodes, edges: stored, onNodesChange, onEdgesChange, onConnect, beginDrag } = useEditorStore(useShallow(selector));
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
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        <MiniMap<FlowNode> pannable zoomable nodeColor={minimapColor} ariaLabel="Minimap" />
        <Controls showInteractive={false} aria-label="Zoom controls" />
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
