/**
 * The one canvas node component for every node type: icon and title from the registry, a target
 * handle unless it is a trigger, one source handle per declared handle (labelled `true`/`false`
 * on logic.if), the last run's status and duration, and validation issues pinned to it.
 */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { formatDuration } from '../lib/format.ts';
import type { FlowNode } from './mapping.ts';
import { useNodePicker } from './node-picker.tsx';
import { fieldLabel, nodeSummary } from './node-summary.ts';
import { useEditorStore } from './store.ts';

const STATUS_TEXT: Record<string, string> = { success: 'Succeeded', error: 'Failed', skipped: 'Skipped', waiting: 'Waiting' };

export const WorkflowNodeView = memo(function WorkflowNodeView({ id, data, selected }: NodeProps<FlowNode>) {
  const def = getNodeDefinition(data.type);
  const step = useEditorStore((s) => s.run?.steps[id]);
  const isRunning = useEditorStore((s) => s.run?.status === 'running' || s.run?.status === 'queued');
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
  const handles = def?.handles ?? null;
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
        <div className={`wf-node-run status-${step.status}`} aria-label={`Last run: ${STATUS_TEXT[step.status] ?? step.status}`}>
          <span>{STATUS_TEXT[step.status] ?? step.status}</span>
          <span>{formatDuration(step.durationMs ?? null)}</span>
          {step.attempts > 1 && <span>{step.attempts} attempts</span>}
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
          {handles.map((h) => (
            <div key={h} className={`wf-out wf-out-${h}`}>
              <span className="wf-out-label">{h}</span>
              <Handle type="source" id={h} position={Position.Right} className={`wf-handle wf-handle-${h}`} />
              {!used.includes(h) && <AddAfter nodeId={id} handle={h} label={`Add a step after the ${h} output of ${title}`} />}
            </div>
          ))}
        </div>
      ) : (
        <>
          <Handle type="source" position={Position.Right} className="wf-handle" />
          {!used.includes('') && <AddAfter nodeId={id} handle={null} label={`Add a step after ${title}`} />}
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
