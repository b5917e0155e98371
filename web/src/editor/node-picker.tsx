/**
 * Adding the next step where you are: the "+" on a free output and a connection dropped on empty
 * canvas open this picker; the palette's click uses the same `useAppendNode`. The new node lands
 * beside its source (append.ts), connected from it, selected, and the view pans to it.
 */
import { useReactFlow } from '@xyflow/react';
import { useMemo, useState } from 'react';
import { create } from 'zustand';
import { nodeDefinitions } from '#shared/nodes/registry.ts';
import { connectFrom, placeAfter } from './append.ts';
import { addNodeWithFeedback } from './canvas-add.ts';
import { useEditorStore } from './store.ts';

type PickerAt = { fromId: string; handle: string | null; screen: { x: number; y: number }; flow?: { x: number; y: number } };

/** The open picker; `opener` is what had focus when it opened, where Escape puts focus back. */
export const useNodePicker = create<{ at: PickerAt | null; opener: HTMLElement | null; open(at: PickerAt): void; close(): void }>()((set) => ({
  at: null,
  opener: null,
  open: (at) => set({ at, opener: document.activeElement instanceof HTMLElement ? document.activeElement : null }),
  close: () => set({ at: null, opener: null }),
}));

/**
 * Focuses node `id` on the canvas (after an add or a pick, so the keyboard carries on from it). A new
 * node stays hidden, so unfocusable, until React Flow has measured it: a few frames are tried.
 */
export function focusNodeSoon(id: string, frames = 10) {
  requestAnimationFrame(() => {
    const el = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`);
    el?.focus({ preventScroll: true });
    if (document.activeElement !== el && frames > 1) focusNodeSoon(id, frames - 1);
  });
}

/** Adds `type` after `fromId` (from `handle`, or its only free output), at `position` or beside it; returns the new id. */
export function useAppendNode() {
  const { setCenter, getZoom } = useReactFlow();
  return (type: string, fromId: string, handle?: string | null, position?: { x: number; y: number }): string | null => {
    const s = useEditorStore.getState();
    const from = s.nodes.find((n) => n.id === fromId);
    if (!from) return null;
    const at = position ?? placeAfter(from, handle ?? null, s.nodes);
    const via = connectFrom(fromId, handle, s.nodes, s.edges);
    const id = addNodeWithFeedback(type, at);
    if (!id) return null;
    if (via !== undefined) useEditorStore.getState().onConnect({ source: fromId, target: id, sourceHandle: via, targetHandle: null });
    void setCenter(at.x + 120, at.y + 40, { zoom: Math.max(getZoom(), 0.6), duration: 300 });
    return id;
  };
}

const steps = nodeDefinitions.filter((d) => d.kind !== 'trigger');

export function NodePicker() {
  const at = useNodePicker((s) => s.at);
  const close = useNodePicker((s) => s.close);
  const append = useAppendNode();
  const [q, setQ] = useState('');
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return steps.filter((d) => !needle || `${d.title} ${d.description}`.toLowerCase().includes(needle));
  }, [q]);
  if (!at) return null;
  const pick = (type: string) => {
    close();
    setQ('');
    const id = append(type, at.fromId, at.handle, at.flow);
    if (id) focusNodeSoon(id);
  };
  const dismiss = () => {
    const { opener } = useNodePicker.getState();
    close();
    setQ('');
    if (opener?.isConnected) opener.focus();
  };
  return (
    <div className="node-picker-backdrop" onMouseDown={close}>
      <div
        className="node-picker"
        role="dialog"
        aria-label="Add a step"
        style={{ left: Math.max(8, Math.min(at.screen.x, window.innerWidth - 280)), top: Math.max(8, Math.min(at.screen.y, window.innerHeight - 340)) }}
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key !== 'Escape') return;
          e.stopPropagation();
          dismiss();
        }}
      >
        <input className="input" type="search" aria-label="Search steps" placeholder="Search steps…" value={q} onChange={(e) => setQ(e.target.value)} autoFocus />
        <ul>
          {shown.map((d) => (
            <li key={d.type}>
              <button type="button" onClick={() => pick(d.type)}>
                <span aria-hidden="true">{d.icon}</span> {d.title} <span className="muted small">{d.description}</span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
