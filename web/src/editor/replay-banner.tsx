/** The banner over the canvas while a past execution is shown: which one, its version and status, and the way back to the draft. */
import { useReactFlow } from '@xyflow/react';
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { StatusBadge } from '../components/ui.tsx';
import { formatDateTime } from '../lib/format.ts';
import { href, navigate } from '../lib/router.ts';
import { useEditorStore } from './store.ts';

export function ReplayBanner() {
  const { replay, status, workflowId, current } = useEditorStore(
    useShallow((s) => ({ replay: s.replay, status: s.run?.status, workflowId: s.workflow?.id ?? '', current: s.workflow?.version ?? 0 })),
  );
  const { fitView } = useReactFlow();
  const viewed = replay?.executionId;
  // The version's graph may sit elsewhere than the draft's: bring it into view.
  useEffect(() => {
    if (viewed) requestAnimationFrame(() => void fitView({ padding: 0.3, duration: 200, maxZoom: 1 }));
  }, [viewed, fitView]);
  if (!replay) return null;
  return (
    <div className="replay-banner" role="region" aria-label="Viewing a past execution">
      <span>
        Viewing execution <code>{replay.executionId}</code> · v{replay.version} · <StatusBadge status={status ?? replay.status} />
      </span>
      <span className="muted small">
        {replay.mode} · {formatDateTime(replay.startedAt)} · read-only
        {replay.version !== current ? ` · the workflow is at v${current} now` : ''}
      </span>
      <span className="spacer" />
      <a className="btn btn-ghost" href={href(`/executions/${encodeURIComponent(replay.executionId)}`)}>
        Execution details
      </a>
      <button type="button" className="btn btn-primary" onClick={() => navigate(`/workflows/${encodeURIComponent(workflowId)}`)}>
        Back to editing
      </button>
    </div>
  );
}
