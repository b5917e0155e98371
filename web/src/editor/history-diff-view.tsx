/**
 * One diff, shown twice: on a read-only mini canvas (added nodes green, removed red, changed
 * outlined, each also named in words), and as a list with a field-by-field table for each changed
 * node. The list is the complete account; the canvas is the picture of it.
 */
import { Background, Controls, Handle, Position, ReactFlow, ReactFlowProvider, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { memo, useMemo } from 'react';
import type { DiffableVersion, WorkflowDiff } from '#shared/graph/diff.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { diffCanvas, showValue, type DiffCanvasNode, type DiffStatus } from './history.ts';
import { fieldLabel } from './node-summary.ts';

const STATUS_WORD: Record<DiffStatus, string> = { added: 'Added', removed: 'Removed', changed: 'Changed', moved: 'Moved', same: '' };

type DiffFlowNode = Node<DiffCanvasNode, 'diff'>;

const titleOf = (type: string, name?: string) => name || getNodeDefinition(type)?.title || type;

const DiffNodeView = memo(function DiffNodeView({ data }: NodeProps<DiffFlowNode>) {
  const def = getNodeDefinition(data.type);
  const word = STATUS_WORD[data.status];
  return (
    <div className={`diff-node diff-${data.status}${data.moved ? ' diff-was-moved' : ''}`} data-testid={`diff-node-${data.id}`} data-status={data.status}>
      {/* Edges need a handle at each end to be drawn; here they are anchors only, never dragged. */}
      <Handle type="target" position={Position.Left} isConnectable={false} className="diff-handle" />
      <Handle type="source" position={Position.Right} isConnectable={false} className="diff-handle" />
      <span className="wf-node-icon" aria-hidden="true">
        {def?.icon ?? '?'}
      </span>
      <span className="diff-node-titles">
        <span className="diff-node-title">{titleOf(data.type, data.name)}</span>
        <span className="diff-node-id">{data.id}</span>
      </span>
      {word && <span className="diff-node-tag">{data.moved && data.status === 'changed' ? 'Changed · moved' : word}</span>}
    </div>
  );
});
const nodeTypes = { diff: DiffNodeView };

function MiniCanvas({ before, after, diff }: { before: DiffableVersion; after: DiffableVersion; diff: WorkflowDiff }) {
  const { nodes, edges } = useMemo(() => {
    const view = diffCanvas(before, after, diff);
    const nodes: DiffFlowNode[] = view.nodes.map((n) => ({ id: n.id, type: 'diff', position: n.position, data: n }));
    const edges: Edge[] = view.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      className: `diff-edge-${e.status}`,
      type: 'smoothstep',
    }));
    return { nodes, edges };
  }, [before, after, diff]);
  return (
    // Its own provider: this canvas must not share the editor's viewport or node store.
    <ReactFlowProvider>
      <div className="history-canvas" role="group" aria-label="The changes drawn on the graph (the list below names each one)">
        <ReactFlow<DiffFlowNode>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          nodesFocusable={false}
          edgesFocusable={false}
          elementsSelectable={false}
          fitView
          fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
          minZoom={0.1}
          colorMode="system"
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={20} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </ReactFlowProvider>
  );
}

export function DiffView({ before, after, diff, beforeLabel, afterLabel }: { before: DiffableVersion; after: DiffableVersion; diff: WorkflowDiff; beforeLabel: string; afterLabel: string }) {
  const edgeCount = diff.edges.added.length + diff.edges.removed.length;
  const empty = !diff.added.length && !diff.removed.length && !diff.changed.length && !diff.moved.length && !edgeCount && !diff.name && !diff.settings.length;
  return (
    <div className="history-diff">
      <p className="muted small">
        From <strong>{beforeLabel}</strong> to <strong>{afterLabel}</strong>
      </p>
      <MiniCanvas before={before} after={after} diff={diff} />
      <div className="diff-legend muted small" aria-hidden="true">
        <span className="legend-added">added</span> <span className="legend-removed">removed</span> <span className="legend-changed">changed</span>
      </div>
      {empty ? (
        <p className="muted">No differences.</p>
      ) : (
        <ul className="diff-list" aria-label="Changes">
          {diff.name && (
            <li>
              Renamed from “{diff.name.before}” to “{diff.name.after}”
            </li>
          )}
          {diff.added.map((n) => (
            <li key={`a:${n.nodeId}`} className="diff-item-added">
              Added {titleOf(n.type, n.name)} <code>{n.nodeId}</code>
            </li>
          ))}
          {diff.removed.map((n) => (
            <li key={`r:${n.nodeId}`} className="diff-item-removed">
              Removed {titleOf(n.type, n.name)} <code>{n.nodeId}</code>
            </li>
          ))}
          {diff.changed.map((n) => (
            <li key={`c:${n.nodeId}`} className="diff-item-changed">
              Changed {titleOf(n.type, n.name)} <code>{n.nodeId}</code>
              <FieldTable nodeType={n.type} nodeId={n.nodeId} fields={n.fields} />
            </li>
          ))}
          {diff.moved.map((n) => (
            <li key={`m:${n.nodeId}`}>
              Moved {titleOf(n.type, n.name)} <code>{n.nodeId}</code>
            </li>
          ))}
          {edgeCount > 0 && (
            <li>
              Connections: {diff.edges.added.length} added, {diff.edges.removed.length} removed
            </li>
          )}
          {diff.settings.length > 0 && (
            <li>
              Settings changed
              <FieldTable nodeType="" nodeId="settings" fields={diff.settings} />
            </li>
          )}
        </ul>
      )}
    </div>
  );
}

function FieldTable({ nodeType, nodeId, fields }: { nodeType: string; nodeId: string; fields: WorkflowDiff['settings'] }) {
  const def = getNodeDefinition(nodeType);
  return (
    <table className="diff-fields" aria-label={`Fields changed in ${nodeId}`}>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {fields.map((f) => (
          <tr key={f.path}>
            <th scope="row">
              {fieldLabel(def, f.path)} <code className="muted">{f.path}</code>
            </th>
            <td className="diff-before">{showValue(f.before)}</td>
            <td className="diff-after">{showValue(f.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
