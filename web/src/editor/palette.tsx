/**
 * The node palette: every registry definition, grouped by category, searchable; drag onto the canvas
 * or click to add. `disabled` while a past execution is on the canvas (nothing can be added to it).
 */
import { useMemo, useState } from 'react';
import type { AnyNodeDefinition, NodeCategory } from '#shared/nodes/define.ts';
import { nodeDefinitions } from '#shared/nodes/registry.ts';

export const DRAG_MIME = 'application/x-switchyard-node';

const CATEGORY_LABEL: Record<NodeCategory, string> = { trigger: 'Triggers', action: 'Actions', logic: 'Logic', data: 'Data', flow: 'Flow' };
const ORDER: NodeCategory[] = ['trigger', 'action', 'logic', 'data', 'flow'];

export function Palette({ onAdd, hasTrigger, disabled: readOnly = false }: { onAdd: (type: string) => void; hasTrigger: boolean; disabled?: boolean }) {
  const [q, setQ] = useState('');
  const groups = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const match = (d: AnyNodeDefinition) => !needle || `${d.title} ${d.description} ${d.type}`.toLowerCase().includes(needle);
    return ORDER.map((cat) => ({ cat, items: nodeDefinitions.filter((d) => d.category === cat && match(d)) })).filter((g) => g.items.length);
  }, [q]);

  return (
    <nav className="palette" aria-label="Node palette">
      <input className="input" type="search" aria-label="Search nodes" placeholder="Search nodes…" value={q} onChange={(e) => setQ(e.target.value)} />
      {groups.length === 0 && <p className="muted small">Nothing matches “{q}”.</p>}
      {groups.map((g) => (
        <section key={g.cat} className="palette-group" aria-label={CATEGORY_LABEL[g.cat]}>
          <h3>{CATEGORY_LABEL[g.cat]}</h3>
          {g.cat === 'trigger' && hasTrigger && <p className="muted small">A workflow has one trigger; this one has it.</p>}
          <ul>
            {g.items.map((d) => {
              const disabled = readOnly || (d.kind === 'trigger' && hasTrigger);
              return (
                // The button's name is its visible title (WCAG 2.5.3); the description beside it is
                // its description. The button's ::after covers the whole card, so a click or a drag
                // anywhere on it is the button's.
                <li key={d.type} className={`palette-item cat-${d.category}`}>
                  <button
                    type="button"
                    className="palette-add hit-area"
                    draggable={!disabled}
                    disabled={disabled}
                    aria-describedby={`pal-${d.type}`}
                    title="Drag onto the canvas, or click to add"
                    onDragStart={(e) => {
                      e.dataTransfer.setData(DRAG_MIME, d.type);
                      e.dataTransfer.setData('text/plain', d.type);
                      e.dataTransfer.effectAllowed = 'move';
                    }}
                    onClick={() => onAdd(d.type)}
                  >
                    <span className="palette-icon" aria-hidden="true">
                      {d.icon}
                    </span>
                    <span className="palette-title">{d.title}</span>
                  </button>
                  <span className="palette-desc" id={`pal-${d.type}`}>
                    {d.description}
                  </span>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </nav>
  );
}
