/**
 * Adding a node after another: where it lands (to the right of its source, below whatever is
 * already there, a branch's handles fanned out in order) and which output it is connected from
 * (the one given, or the source's only free output). Pure, so the palette, the "+" on an output
 * and a connection dropped on the canvas place nodes alike.
 */
import { outputHandles } from '#shared/nodes/define.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import type { FlowEdge, FlowNode } from './mapping.ts';

const STEP_X = 300;
const STEP_Y = 140;
const SIZE = { w: 240, h: 110 };

/** The source's outputs: its declared handles, or its single unnamed one (null). */
export function outputsOf(node: FlowNode | undefined): (string | null)[] {
  const handles = node ? outputHandles(getNodeDefinition(node.data.type), node.data.config) : undefined;
  return handles ? [...handles] : [null];
}

/** Outputs of `nodeId` with no edge leaving them. */
export function freeOutputs(nodeId: string, nodes: readonly FlowNode[], edges: readonly FlowEdge[]): (string | null)[] {
  const used = new Set(edges.filter((e) => e.source === nodeId).map((e) => e.sourceHandle ?? null));
  return outputsOf(nodes.find((n) => n.id === nodeId)).filter((h) => !used.has(h));
}

const overlaps = (p: { x: number; y: number }, nodes: readonly FlowNode[]) =>
  nodes.some((n) => Math.abs(n.position.x - p.x) < SIZE.w && Math.abs(n.position.y - p.y) < SIZE.h);

/** Where a node appended after `from` (from its `handle`) goes: to the right, the first free spot going down. */
export function placeAfter(from: FlowNode, handle: string | null, nodes: readonly FlowNode[]): { x: number; y: number } {
  const outs = outputsOf(from);
  // Handles fan out in their order (true above false), centred on the source.
  const lane = outs.length > 1 && handle !== null ? outs.indexOf(handle) - (outs.length - 1) / 2 : 0;
  const p = { x: from.position.x + STEP_X, y: from.position.y + Math.round(lane * STEP_Y) };
  for (let i = 0; i < 50 && overlaps(p, nodes); i++) p.y += STEP_Y;
  return p;
}

/** The output to connect a node appended after `from` from: the one asked for if free, else the only free one. */
export function connectFrom(fromId: string, handle: string | null | undefined, nodes: readonly FlowNode[], edges: readonly FlowEdge[]): string | null | undefined {
  const free = freeOutputs(fromId, nodes, edges);
  if (handle !== undefined) return free.includes(handle) ? handle : undefined;
  return free.length === 1 ? free[0] : undefined;
}
