/**
 * A tinted lane behind each flow.forEach's body (the nodes reachable from its "each" output,
 * shared/graph/loops.ts), labelled with the loop's name, so what runs once per item is visible
 * at a glance. Drawn in flow coordinates inside the viewport; it takes no pointer events.
 */
import { useNodes, ViewportPortal } from '@xyflow/react';
import { useMemo } from 'react';
import { loopStructure } from '#shared/graph/loops.ts';
import type { FlowNode } from './mapping.ts';
import { useEditorStore } from './store.ts';

const PAD = 18;
const LABEL = 22;

export function LoopLanes() {
  const nodes = useNodes<FlowNode>();
  const edges = useEditorStore((s) => s.edges);
  const lanes = useMemo(() => {
    const graph = {
      nodes: nodes.map((n) => ({ id: n.id, type: n.data.type, name: n.data.name })),
      edges: edges.map((e) => ({ id: e.id, source: e.source, target: e.target, ...(e.sourceHandle ? { sourceHandle: e.sourceHandle } : {}) })),
    };
    const { loops } = loopStructure(graph);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    return [...loops.values()]
      .filter((l) => l.body.size > 0)
      .map((l) => {
        let x0 = Infinity;
        let y0 = Infinity;
        let x1 = -Infinity;
        let y1 = -Infinity;
        for (const id of l.body) {
          const n = byId.get(id);
          if (!n) continue;
          const w = n.measured?.width ?? 220;
          const h = n.measured?.height ?? 80;
          x0 = Math.min(x0, n.position.x);
          y0 = Math.min(y0, n.position.y);
          x1 = Math.max(x1, n.position.x + w);
          y1 = Math.max(y1, n.position.y + h);
        }
        const loop = byId.get(l.id);
        const name = loop?.data.name || 'For each';
        return { id: l.id, depth: l.depth, name, count: l.body.size, x: x0 - PAD, y: y0 - PAD - LABEL, w: x1 - x0 + 2 * PAD, h: y1 - y0 + 2 * PAD + LABEL };
      })
      .filter((l) => Number.isFinite(l.w));
  }, [nodes, edges]);
  if (lanes.length === 0) return null;
  return (
    <ViewportPortal>
      {lanes.map((l) => (
        <div
          key={l.id}
          className={`loop-lane depth-${l.depth}`}
          data-testid={`loop-lane-${l.id}`}
          style={{ transform: `translate(${l.x}px, ${l.y}px)`, width: l.w, height: l.h }}
          aria-hidden="true"
        >
          <span className="loop-lane-label">
            ⟳ {l.name} · each item runs {l.count === 1 ? 'this step' : `these ${l.count} steps`}
          </span>
        </div>
      ))}
    </ViewportPortal>
  );
}
