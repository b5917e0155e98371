/** One execution: status, what started it, a per-step timeline (status, duration, attempts, error, recorded data), and Retry. */
import { useEffect, useRef, useState } from 'react';
import { loopStructure } from '#shared/graph/loops.ts';
import type { WorkflowVersion } from '#shared/workflow.ts';
import { api, errorMessage } from '../api/client.ts';
import { useServerEvents } from '../api/events.ts';
import { Icon } from '../components/icons.tsx';
import { ErrorState, Loading, StatusBadge } from '../components/ui.tsx';
import { useAsync } from '../components/use-async.ts';
import { formatDateTime, formatDuration } from '../lib/format.ts';
import { href, navigate } from '../lib/router.ts';
import { modeLabel } from '../lib/execution-words.ts';
import { toast } from '../lib/toast.ts';
import { LoopItems } from './execution-iterations.tsx';
import { StepCard } from './execution-step.tsx';
import '../styles/executions.css';

const FINISHED = new Set(['success', 'error', 'canceled']);

/** The outermost loop a node runs in (nested loops' items page together under it). */
function topLoop(owners: ReadonlyMap<string, string>, nodeId: string): string {
  let at = owners.get(nodeId) ?? nodeId;
  for (let hops = 0; owners.has(at) && hops < 10; hops++) at = owners.get(at)!;
  return at;
}

export function ExecutionDetailPage({ executionId }: { executionId: string }) {
  const detail = useAsync(() => api.executions.get(executionId), [executionId]);
  // The version this execution ran: its steps are named as they were then, not as they are now.
  const [workflow, setWorkflow] = useState<WorkflowVersion | null>(null);
  const [retrying, setRetrying] = useState(false);
  const [canceling, setCanceling] = useState(false);
  const refresh = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const d = detail.data;

  useEffect(() => {
    if (!d?.workflowId) return;
    let live = true;
    api.workflows.version(d.workflowId, d.workflowVersion).then(
      (w) => live && setWorkflow(w),
      () => {
        // The workflow may have been deleted since; steps then show node ids only.
      },
    );
    return () => {
      live = false;
    };
  }, [d?.workflowId, d?.workflowVersion]);

  const scheduleRefresh = () => {
    clearTimeout(refresh.current);
    refresh.current = setTimeout(() => {
      api.executions.get(executionId).then((x) => detail.setData(() => x), () => undefined);
    }, 150);
  };
  useServerEvents({
    execution: (e) => e.id === executionId && scheduleRefresh(),
    step: (e) => e.executionId === executionId && scheduleRefresh(),
  });
  // Polling backs up live events while the run is still going.
  useEffect(() => {
    if (!d || FINISHED.has(d.status)) return;
    const t = setInterval(scheduleRefresh, 1500);
    return () => clearInterval(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- scheduleRefresh only reads refs
  }, [d?.status]);

  const [onCurrent, setOnCurrent] = useState(false);
  const retry = async (from: 'start' | 'failed') => {
    setRetrying(true);
    try {
      const r = await api.executions.retry(executionId, { from, version: onCurrent ? 'current' : 'original' });
      toast(
        'success',
        'Retry started',
        from === 'failed' ? 'The finished steps are carried over; the failed step and what follows run again.' : 'A new execution replays the same trigger event.',
      );
      navigate(`/executions/${encodeURIComponent(r.executionId)}`);
    } catch (e) {
      toast('error', 'Could not retry', errorMessage(e));
    } finally {
      setRetrying(false);
    }
  };

  const cancel = async () => {
    setCanceling(true);
    try {
      await api.executions.cancel(executionId);
      toast('success', 'Run canceled', 'Calls in flight were cut off; nothing more of this run will happen.');
      detail.reload();
    } catch (e) {
      toast('error', 'Could not cancel', errorMessage(e));
    } finally {
      setCanceling(false);
    }
  };

  if (detail.loading && !d) return <Loading label="Loading the execution…" />;
  if (detail.error || !d) return <ErrorState message={detail.error ?? 'Not found'} onRetry={detail.reload} />;

  const nodes = new Map((workflow?.nodes ?? []).map((n) => [n.id, n]));
  const steps = d.steps.filter((s) => !s.iteration).sort((a, b) => (a.startedAt ?? '~').localeCompare(b.startedAt ?? '~'));
  // Loop items' steps are paged per loop (execution-iterations.tsx), grouped by the loop they run in.
  const owners = workflow ? loopStructure(workflow).ownerOf : new Map<string, string>();
  const byLoop = new Map<string, typeof d.steps>();
  for (const s of d.steps) {
    if (!s.iteration) continue;
    const loop = topLoop(owners, s.nodeId);
    byLoop.set(loop, [...(byLoop.get(loop) ?? []), s]);
  }
  const t0 = Date.parse(d.startedAt ?? d.createdAt);
  const tEnd = Math.max(t0 + 1, ...steps.map((s) => Date.parse(s.finishedAt ?? s.startedAt ?? '') || t0), Date.parse(d.finishedAt ?? '') || t0);

  return (
    <div className="page">
      <header className="page-head">
        <a className="btn btn-icon btn-ghost" href={href('/executions')} aria-label="Back to executions">
          <Icon name="back" />
        </a>
        <h1>
          Execution <code>{d.id}</code>
        </h1>
        <StatusBadge status={d.status} />
        <span className="spacer" />
        <a className="btn" href={href(`/workflows/${encodeURIComponent(d.workflowId)}`)}>
          Open workflow
        </a>
        <a className="btn" href={href(`/workflows/${encodeURIComponent(d.workflowId)}?execution=${encodeURIComponent(d.id)}`)} title="This run's statuses on the graph of the version it ran, read-only">
          Open in editor
        </a>
        {!FINISHED.has(d.status) && (
          <button type="button" className="btn btn-danger" disabled={canceling} onClick={() => void cancel()}>
            {canceling ? 'Canceling…' : 'Cancel run'}
          </button>
        )}
        {FINISHED.has(d.status) && (
          <label className="retry-current small" title="Run the workflow as it is saved now, instead of the version this run used">
            <input type="checkbox" checked={onCurrent} onChange={(e) => setOnCurrent(e.target.checked)} /> on the current version
          </label>
        )}
        {d.status === 'error' && (
          <button type="button" className="btn" disabled={retrying} onClick={() => void retry('failed')} title="Keep the finished steps; run the failed step and what follows">
            Retry from failed step
          </button>
        )}
        <button type="button" className="btn btn-primary" disabled={retrying || !FINISHED.has(d.status)} onClick={() => void retry('start')}>
          {retrying ? 'Retrying…' : d.status === 'error' ? 'Retry from start' : 'Retry'}
        </button>
      </header>
      <dl className="summary">
        <div>
          <dt>Workflow</dt>
          <dd>
            {d.workflowName ?? workflow?.name ?? d.workflowId} ·{' '}
            <a
              href={href(`/workflows/${encodeURIComponent(d.workflowId)}?history=${d.workflowVersion}`)}
              title="The version this execution ran, in the editor's version history"
              aria-label={`v${d.workflowVersion}, in the version history`}
            >
              v{d.workflowVersion}
            </a>
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatDateTime(d.startedAt ?? d.createdAt)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(d.durationMs)}</dd>
        </div>
        <div>
          <dt>Started by</dt>
          <dd>
            {d.mode === 'retry' && d.retryOf ? (
              <>
                Retry of <a href={href(`/executions/${encodeURIComponent(d.retryOf)}`)}>{d.retryOf}</a>
                {d.retriedFrom === 'failed' ? ', from the failed step' : ''}
              </>
            ) : d.parentExecutionId ? (
              <>
                Called by <a href={href(`/executions/${encodeURIComponent(d.parentExecutionId)}`)}>{d.parentExecutionId}</a>
              </>
            ) : (
              modeLabel(d.mode)
            )}
            {d.summary && <span className="exec-summary">{d.summary}</span>}
          </dd>
        </div>
      </dl>
      {d.error && (
        <div className="callout callout-error" role="alert">
          {d.failedNode && <>Failed at <strong>{d.failedNode.name}</strong>: </>}
          <strong>{d.error.code}</strong> {d.error.message}
        </div>
      )}
      <h2 className="section-title">Steps</h2>
      {steps.length === 0 ? (
        <p className="muted">{FINISHED.has(d.status) ? 'No step ran.' : 'Waiting for the first step…'}</p>
      ) : (
        <ol className="timeline" aria-label="Steps">
          {steps.map((s) => (
            <StepCard key={s.nodeId} step={s} name={nodes.get(s.nodeId)?.name} type={nodes.get(s.nodeId)?.type} t0={t0} span={tEnd - t0} />
          ))}
        </ol>
      )}
      {[...byLoop].map(([loop, loopSteps]) => (
        <LoopItems key={loop} loopName={nodes.get(loop)?.name ?? loop} steps={loopSteps} nodes={nodes} t0={t0} span={tEnd - t0} />
      ))}
      {d.children && d.children.length > 0 && (
        <>
          <h2 className="section-title">Called workflows</h2>
          <ul className="child-runs">
            {d.children.map((c) => (
              <li key={c.id}>
                <a href={href(`/executions/${encodeURIComponent(c.id)}`)}>{c.workflowName ?? c.workflowId}</a> <code className="muted">{c.id}</code> <StatusBadge status={c.status} />
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
