import { describe, expect, it } from 'vitest';
import { layoutPositions } from './layout.ts';
import type { FlowEdge, FlowNode } from './mapping.ts';

const n = (id: string, type: string): FlowNode => ({ id, type: 'workflow', position: { x: 0, y: 0 }, data: { type, config: {} } });
const e = (source: string, target: string, sourceHandle?: string): FlowEdge => ({ id: `${source}-${target}`, source, target, ...(sourceHandle ? { sourceHandle } : {}) });

/** Every order of `xs`. */
const permutations = <T,>(xs: T[]): T[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));

describe('auto-layout', () => {
  const nodes = [n('hook', 'trigger.webhook'), n('check', 'logic.if'), n('yes', 'action.http'), n('no', 'action.email'), n('yes2', 'data.transform'), n('inner', 'logic.if'), n('in_yes', 'action.http'), n('in_no', 'action.http')];
  const edges = [e('hook', 'check'), e('check', 'yes', 'true'), e('check', 'no', 'false'), e('yes', 'yes2'), e('no', 'inner'), e('inner', 'in_no', 'false'), e('inner', 'in_yes', 'true')];

  it('keeps true above false at every level, whatever order nodes and edges come in', () => {
    for (const es of permutations(edges.slice(1, 5))) {
      const p = layoutPositions([...nodes].reverse(), [edges[0]!, ...es, ...edges.slice(5)]);
      expect(p.yes!.y, JSON.stringify(es.map((x) => x.id))).toBeLessThan(p.no!.y);
      expect(p.yes2!.y).toBeLessThan(p.no!.y); // a branch's subtree moves with it
      expect(p.in_yes!.y).toBeLessThan(p.in_no!.y);
    }
  });

  it('lays out left to right by dependency', () => {
    const p = layoutPositions(nodes, edges);
    expect(p.hook!.x).toBeLessThan(p.check!.x);
    expect(p.check!.x).toBeLessThan(p.yes!.x);
    expect(p.yes!.x).toBeLessThan(p.yes2!.x);
  });

  it("puts a switch's case branches in the order of its cases, fallback last", () => {
    const sw: FlowNode = { ...n('route', 'logic.switch'), data: { type: 'logic.switch', config: { cases: [{ name: 'gold', condition: 'x' }, { name: 'silver', condition: 'y' }, { name: 'bronze', condition: 'z' }] } } };
    const targets = ['fb', 'bronze', 'silver', 'gold'].map((id) => n(id, 'action.http'));
    const outs = [e('route', 'fb', 'fallback'), e('route', 'bronze', 'bronze'), e('route', 'silver', 'silver'), e('route', 'gold', 'gold')];
    for (const es of permutations(outs)) {
      const p = layoutPositions([n('start', 'trigger.manual'), sw, ...targets], [e('start', 'route'), ...es]);
      const ys = ['gold', 'silver', 'bronze', 'fb'].map((id) => p[id]!.y);
      expect(ys, JSON.stringify(es.map((x) => x.id))).toEqual([...ys].sort((a, b) => a - b));
    }
  });
});
