/**
 * The data picker: paths from the upstream nodes' known outputs (last run, captured sample, or a
 * trigger's declared one: see declaredSample), each labelled with where it came from (sample-label.ts),
 * each a button that inserts `steps.<node>.<path>` into the field being edited; then the built-in
 * data and the workspace variables (`vars.NAME`, secret ones without their value).
 */
import { useEffect, useId, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { declaredSample, flattenPaths, previewVars, upstreamOf } from '../expressions.ts';
import { useVariableNames } from '../variable-names.ts';
import { sampleLabel } from '../sample-label.ts';
import { useEditorStore } from '../store.ts';

export function DataPicker({ nodeId, label, onPick, onClose }: { nodeId: string; label: string; onPick: (path: string) => void; onClose: () => void }) {
  const edges = useEditorStore((s) => s.edges);
  const upstream = useMemo(() => upstreamOf(nodeId, edges), [nodeId, edges]);
  // Select stable references (node data objects, sample values) so the shallow compare holds.
  const datas = useEditorStore(useShallow((s) => upstream.map((id) => s.nodes.find((n) => n.id === id)?.data)));
  const samples = useEditorStore(useShallow((s) => upstream.map((id) => s.sampleData[id])));
  const origins = useEditorStore(useShallow((s) => upstream.map((id) => s.sampleSources[id])));
  const sources = upstream.map((id, i) => ({
    id,
    type: datas[i]?.type ?? '',
    name: datas[i]?.name,
    data: samples[i] ?? declaredSample(datas[i]),
    origin: samples[i] === undefined ? undefined : origins[i],
  }));
  const [filter, setFilter] = useState('');
  const uid = useId();
  const withData = sources.filter((s) => s.data !== undefined);
  const isTrigger = useEditorStore((s) => getNodeDefinition(s.nodes.find((n) => n.id === nodeId)?.data.type ?? '')?.kind === 'trigger');
  const workflow = useEditorStore(useShallow((s) => ({ id: s.workflow?.id ?? '', name: s.name })));
  // What every run has besides the steps' data (the engine's and the poller's expression data).
  const builtins = [
    ...flattenPaths('now', new Date().toISOString()),
    ...flattenPaths('workflow.name', workflow.name),
    ...flattenPaths('workflow.id', workflow.id),
  ].filter((r) => !filter || r.path.toLowerCase().includes(filter.toLowerCase()));
  const variables = useVariableNames((s) => s.items);
  // Re-read on every opening: a variable added in another tab (or by the API) shows without a reload.
  useEffect(() => void useVariableNames.getState().load(true), []);
  const varRows = Object.entries(previewVars(variables ?? []))
    .map(([name, value]) => ({ path: `vars.${name}`, depth: 0, label: name, preview: JSON.stringify(value), isLeaf: true }))
    .filter((r) => !filter || r.path.toLowerCase().includes(filter.toLowerCase()));

  return (
    <div className="picker" role="dialog" aria-label={`Data for ${label}`} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="picker-head">
        <input className="input" aria-label="Filter data paths" placeholder="Filter paths…" value={filter} onChange={(e) => setFilter(e.target.value)} autoFocus />
        <button type="button" className="btn btn-icon btn-ghost" aria-label="Close data picker" onClick={onClose}>
          ✕
        </button>
      </div>
      {upstream.length === 0 && !isTrigger && <p className="muted picker-empty">Connect this node to an upstream node first: its output becomes available here.</p>}
      {upstream.length > 0 && withData.length === 0 && (
        <p className="muted picker-empty">No data yet. Listen for a test event on the trigger, or press Run, and the output of each upstream node shows up here.</p>
      )}
      <div className="picker-list">
        {withData.map((src) => {
          const def = getNodeDefinition(src.type);
          const rows = flattenPaths(`steps.${src.id}`, src.data).filter((r) => !filter || r.path.toLowerCase().includes(filter.toLowerCase()));
          return (
            <section key={src.id} className="picker-source">
              <h4>
                <span aria-hidden="true">{def?.icon}</span> {src.name || def?.title || src.type} <code>{src.id}</code>
              </h4>
              <p className="picker-origin muted small" data-testid={`picker-origin-${src.id}`}>
                {sampleLabel(src.origin)}
              </p>
              <PathRows rows={rows} idPrefix={`${uid}-${src.id}`} onPick={onPick} />
            </section>
          );
        })}
        {builtins.length > 0 && (
          <section className="picker-source">
            <h4>Built in</h4>
            <p className="picker-origin muted small">{isTrigger ? 'A trigger runs before any step: these are what its fields can use' : 'Known whenever the workflow runs'}</p>
            <PathRows rows={builtins} idPrefix={`${uid}-builtin`} onPick={onPick} />
          </section>
        )}
        {varRows.length > 0 && (
          <section className="picker-source" aria-label="Variables">
            <h4>Variables</h4>
            <p className="picker-origin muted small">The workspace’s variables (Variables page); secret values are never shown</p>
            <PathRows rows={varRows} idPrefix={`${uid}-vars`} onPick={onPick} />
          </section>
        )}
      </div>
    </div>
  );
}

type Row = ReturnType<typeof flattenPaths>[number];

function PathRows({ rows, idPrefix, onPick }: { rows: readonly Row[]; idPrefix: string; onPick: (path: string) => void }) {
  return (
    <ul>
      {/* The button is named by its path, which holds the visible key (WCAG 2.5.3); the value's
          preview beside it is its description, and its ::after spans the row. */}
      {rows.map((r, i) => (
        <li key={r.path} className="picker-row" style={{ paddingLeft: 8 + r.depth * 14 }}>
          <button type="button" className="picker-key hit-area" aria-label={r.path} aria-describedby={`${idPrefix}-${i}`} title={`Insert ${r.path}`} onClick={() => onPick(r.path)}>
            {r.depth === 0 ? r.path : r.label}
          </button>
          <span className="picker-val" id={`${idPrefix}-${i}`}>
            {r.preview}
          </span>
        </li>
      ))}
    </ul>
  );
}
