/**
 * The one canvas node component for every node type: icon and title from the registry, a target
 * handle unless it is a trigger, one source handle per output (labelled: an If's `true`/`false`, a
 * switch's cases), the shown run's status and duration (selectShownRun), and validation issues pinned to it. An edge
 * still leaving from an output that no longer exists (a removed case) keeps a marked handle, so
 * the edge stays drawn and flagged instead of vanishing.
 * No "+" on outputs while a past execution is viewed.
 */
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { memo, useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { outputHandles } from '#shared/nodes/define.ts';
import { FOREACH_TYPE } from '#shared/nodes/flow-foreach.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { formatDuration } from '../lib/format.ts';
import type { FlowNode } from './mapping.ts';
import { useNodePicker } from './node-picker.tsx';
import { fieldLabel, nodeSummary } from './node-summary.ts';
import { isReadOnly, selectShownRun, useEditorStore } from './store.ts';

const STATUS_TEXT: Record<string, string> = { success: 'Succeeded', error: 'Failed', skipped: 'Skipped', waiting: 'Waiting', running: 'Running' };

/** A loop's count: `3 / 10 items` while it runs (its progress output), then how many items it ran and how many failed. */
function loopCount(output: unknown): string | null {
  if (!output || typeof output !== 'object') return null;
  const o = output as { total?: unknown; done?: unknown; results?: unknown; failed?: unknown };
  if (typeof o.total === 'number' && typeof o.done === 'number') return `${o.done} / ${o.total} items`;
  if (Array.isArray(o.results)) return `${o.results.length} item${o.results.length === 1 ? '' : 's'}${typeof o.failed === 'number' && o.failed ? ` · ${o.failed} failed` : ''}`;
  return null;
}

/** A loop body's node: how many items it ran for, and how many of those failed. */
function itemCount(perItem: Record<string, string> | undefined): string | null {
  if (!perItem) return null;
  const statuses = Object.values(perItem);
  const ran = statuses.filter((st) => st !== 'skipped').length;
  const failed = statuses.filter((st) => st === 'error').length;
  return `ran for ${ran} item${ran === 1 ? '' : 's'}${failed ? `, ${failed} failed` : ''}`;
}

export const WorkflowNodeView = memo(function WorkflowNodeView({ id, data, selected }: NodeProps<FlowNode>) {
  const def = getNodeDefinition(data.type);
  // The latest run only when it ran this graph's version; a past execution's own run while it is viewed.
  const step = useEditorStore((s) => selectShownRun(s)?.steps[id]);
  const perItem = useEditorStore((s) => selectShownRun(s)?.iterations?.[id]);
  const isRunning = useEditorStore((s) => ['running', 'queued'].includes(selectShownRun(s)?.status ?? ''));
  const viewing = useEditorStore(isReadOnly);
  const pinned = useEditorStore(
    useShallow((s) => s.serverIssues.filter((i) => i.nodeId === id).map((i) => (i.path ? `${fieldLabel(def, i.path)}: ${i.message}` : i.message))),
  );
  const local = useEditorStore(
    useShallow((s) => s.graphIssues.filter((i) => i.nodeId === id).map((i) => (i.path ? `${fieldLabel(def, i.path)}: ${i.message}` : i.message))),
  );

  // Outputs with nothing connected get a "+" that adds the next step there.
  const used = useEditorStore(useShallow((s) => s.edges.filter((e) => e.source === id).map((e) => e.sourceHandle ?? '')));
  const isTrigger = def?.kind === 'trigger';
  const title = data.name || def?.title || data.type;
  const summary = def ? nodeSummary(def, data.config) : `Unknown node type "${data.type}"`;
  const declared = outputHandles(def, data.config) ?? null;
  const orphans = declared ? [...new Set(used.filter((h) => h !== '' && !declared.includes(h)))] : [];
  const handles = declared ? [...declared, ...orphans] : null;
  // React Flow measures handles once; outputs that follow the config (switch cases) must be
  // re-measured when they change. Not on mount: that would measure again before the initial fit
  // view and leave the graph unfitted.
  const updateInternals = useUpdateNodeInternals();
  const handleKey = handles?.join('\n') ?? '';
  const measuredKey = useRef(handleKey);
  useEffect(() => {
    if (measuredKey.current === handleKey) return;
    measuredKey.current = handleKey;
    updateInternals(id);
  }, [id, handleKey, updateInternals]);
  const status = step?.status ?? (isRunning ? 'pending' : null);
  const classes = [
    'wf-node',
    `cat-${def?.category ?? 'unknown'}`,
    isTrigger ? 'is-trigger' : '',
    selected ? 'is-selected' : '',
    status ? `run-${status}` : '',
    pinned.length ? 'has-pinned' : local.length ? 'has-issues' : '',
  ].join(' ');

  // Handles are pointer targets only (a div with no role: a label there is never announced); from
  // the keyboard, the "+" beside a free output adds and connects the next step.
  return (
    <div className={classes} data-testid={`node-${id}`}>
      {!isTrigger && <Handle type="target" position={Position.Left} className="wf-handle" />}
      <div className="wf-node-head">
        <span className="wf-node-icon" aria-hidden="true">
          {def?.icon ?? '?'}
        </span>
        <div className="wf-node-titles">
          <div className="wf-node-title">{title}</div>
          <div className="wf-node-sub">
            {isTrigger ? 'Trigger · ' : ''}
            {id}
          </div>
        </div>
        {local.length > 0 && pinned.length === 0 && (
          <span className="wf-node-warn" title={local.join('\n')} aria-label={`${local.length} problem${local.length === 1 ? '' : 's'}: ${local.join('; ')}`}>
            !
          </span>
        )}
      </div>
      {summary && <div className="wf-node-summary">{summary}</div>}
      {/* A note saying what to fill in (templates write "Fill in: …") is marked as a to-do. */}
      {data.notes && (
        <div className={`wf-node-note${data.notes.startsWith('Fill in:') ? ' todo' : ''}`} title={data.notes}>
          {data.notes}
        </div>
      )}
      {step && (
        <div className={`wf-node-run status-${step.status}`} aria-label={`${viewing ? 'This run' : 'Last run'}: ${STATUS_TEXT[step.status] ?? step.status}`}>
          <span>{STATUS_TEXT[step.status] ?? step.status}</span>
          {data.type === FOREACH_TYPE && loopCount(step.output) ? (
            <span className="wf-node-count" data-testid={`count-${id}`}>
              {loopCount(step.output)}
            </span>
          ) : perItem ? (
            <span className="wf-node-count">{itemCount(perItem)}</span>
          ) : (
            <span>{formatDuration(step.durationMs ?? null)}</span>
          )}
          {step.attempts > 1 && !perItem && <span>{step.attempts} attempts</span>}
        </div>
      )}
      {!step && status === 'pending' && <div className="wf-node-run status-pending">Waiting…</div>}
      {pinned.length > 0 && (
        <ul className="wf-node-issues" role="note" aria-label={`Problems on ${title}`}>
          {pinned.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      {handles ? (
        <div className="wf-node-outs">
          {handles.map((h) => {
            const gone = orphans.includes(h);
            return (
              <div key={h} className={`wf-out wf-out-${h}${gone ? ' wf-out-gone' : ''}`} title={gone ? `"${h}" no longer exists: reconnect or delete its edge` : undefined}>
                <span className="wf-out-label">{gone ? `${h} (removed)` : h}</span>
                <Handle type="source" id={h} position={Position.Right} className={`wf-handle wf-handle-${h}`} />
                {!gone && !viewing && !used.includes(h) && <AddAfter nodeId={id} handle={h} label={`Add a step after the ${h} output of ${title}`} />}
              </div>
            );
          })}
        </div>
      ) : (
        <>
          <Handle type="source" position={Position.Right} className="wf-handle" />
          {!viewing && !used.includes('') && <AddAfter nodeId={id} handle={null} label={`Add a step after ${title}`} />}
        </>
      )}
    </div>
  );
});

/** The "+" beside a free output: opens the step picker for it. */
function AddAfter({ nodeId, handle, label }: { nodeId: string; handle: string | null; label: string }) {
  return (
    <button
      type="button"
      className="wf-add nodrag nopan"
      aria-label={label}
      title={label}
      onClick={(e) => {
        e.stopPropagation();
        // Beside the button itself: a click from the keyboard (Enter, Space) has no pointer position.
        const r = e.currentTarget.getBoundingClientRect();
        useNodePicker.getState().open({ fromId: nodeId, handle, screen: { x: r.right + 8, y: r.top - 20 } });
      }}
    >
      +
    </button>
  );
}
