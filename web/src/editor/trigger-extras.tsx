/**
 * Trigger-specific panel sections, chosen by the definition's activation kind (not by node type):
 * the webhook URL with test capture and request inspector, and derived trigger state (a poll's own
 * sections, its live state and "Test poll", are in poll-extras.tsx).
 */
import { useEffect, useRef, useState } from 'react';
import type { TriggerInfo } from '#shared/workflow.ts';
import { api, errorMessage, type HookRequest } from '../api/client.ts';
import { CopyButton, JsonView, Spinner } from '../components/ui.tsx';
import { formatDateTime, timeAgo } from '../lib/format.ts';
import { toast } from '../lib/toast.ts';
import { ensureSaved, trackExecution } from './actions.ts';
import { sampleLabel } from './sample-label.ts';
import { useEditorStore } from './store.ts';

function useTriggerInfo(nodeId: string): TriggerInfo | undefined {
  return useEditorStore((s) => s.workflow?.triggers.find((t) => t.nodeId === nodeId));
}

export function TriggerState({ nodeId }: { nodeId: string }) {
  const info = useTriggerInfo(nodeId);
  const active = useEditorStore((s) => s.workflow?.active ?? false);
  if (!info || !active) return null;
  const rows: [string, string][] = [];
  if (info.nextRunAt !== undefined) rows.push(['Next run', info.nextRunAt ? formatDateTime(info.nextRunAt) : '—']);
  if (info.lastError) rows.push(['Last error', `${info.lastError}${info.lastErrorAt ? ` (${timeAgo(info.lastErrorAt)})` : ''}`]);
  if (info.authFailures) rows.push(['Rejected requests', String(info.authFailures)]);
  if (rows.length === 0) return null;
  return (
    <dl className="kv-list">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

const LISTEN_POLL_MS = 1000;

export function WebhookExtras({ nodeId }: { nodeId: string }) {
  const workflowId = useEditorStore((s) => s.workflow?.id);
  const active = useEditorStore((s) => s.workflow?.active ?? false);
  const info = useTriggerInfo(nodeId);
  const isSaved = useEditorStore((s) => s.workflow?.nodes.some((n) => n.id === nodeId) ?? false);
  const sample = useEditorStore((s) => s.sampleData[nodeId]);
  const sampleSource = useEditorStore((s) => s.sampleSources[nodeId]);
  const [listenUrl, setListenUrl] = useState<string | null>(null);
  const [until, setUntil] = useState<number | null>(null);
  const [capturedAt, setCapturedAt] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const [busy, setBusy] = useState(false);
  const stop = useRef<() => void>(() => {});

  const url = info?.url ?? listenUrl;

  useEffect(() => {
    if (!workflowId || !isSaved) return;
    let live = true;
    api.nodes.sample(workflowId, nodeId).then(
      (r) => {
        if (!live || !r.sample) return;
        const at = r.capturedAt ?? r.sample.receivedAt ?? null;
        useEditorStore.getState().setSample(nodeId, r.sample, { kind: 'test-event', at });
        setCapturedAt(at);
      },
      () => {
        // No sample yet, or the route is unavailable: the panel simply offers "Listen".
      },
    );
    return () => {
      live = false;
    };
  }, [workflowId, nodeId, isSaved]);

  useEffect(() => () => stop.current(), []);

  const listen = async () => {
    setBusy(true);
    const saved = await ensureSaved();
    const wf = useEditorStore.getState().workflow;
    if (!saved || !wf) {
      setBusy(false);
      return;
    }
    try {
      const before = capturedAt;
      const r = await api.nodes.listen(wf.id, nodeId);
      setListenUrl(r.url);
      const deadline = Date.parse(r.listeningUntil) || Date.now() + 120_000;
      setUntil(deadline);
      let timer: ReturnType<typeof setTimeout>;
      let cancelled = false;
      stop.current = () => {
        cancelled = true;
        clearTimeout(timer);
        setUntil(null);
      };
      const poll = async () => {
        if (cancelled) return;
        setNow(Date.now());
        try {
          const s = await api.nodes.sample(wf.id, nodeId);
          const at = s.capturedAt ?? s.sample?.receivedAt ?? null;
          if (s.sample && at && at !== before) {
            useEditorStore.getState().setSample(nodeId, s.sample, { kind: 'test-event', at });
            setCapturedAt(at);
            setUntil(null);
            toast('success', 'Test event captured', 'Its data is now offered by the data picker in the next nodes.');
            return;
          }
        } catch (e) {
          toast('error', 'Could not check for a test event', errorMessage(e));
        }
        if (Date.now() > deadline) {
          setUntil(null);
          toast('info', 'Stopped listening', 'No request arrived within 2 minutes.');
          return;
        }
        timer = setTimeout(() => void poll(), LISTEN_POLL_MS);
      };
      timer = setTimeout(() => void poll(), LISTEN_POLL_MS);
    } catch (e) {
      toast('error', 'Could not start listening', errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const listening = until !== null;
  const left = until ? Math.max(0, Math.round((until - now) / 1000)) : 0;

  return (
    <section className="trigger-box" aria-label="Webhook">
      <h4>Webhook URL</h4>
      {url ? (
        <div className="url-row">
          <code className="url" aria-label="Webhook URL" data-testid="webhook-url">
            {url}
          </code>
          <CopyButton text={url} label="Copy webhook URL" />
        </div>
      ) : (
        <p className="muted">Save the workflow to get this trigger’s URL.</p>
      )}
      <p className="muted small">
        {active ? 'Active: every request to this URL starts a run.' : 'Inactive: the URL answers 404 until you activate the workflow (except while listening for a test event).'}
      </p>
      <div className="row">
        {!listening ? (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void listen()}>
            {busy ? 'Starting…' : sample ? 'Listen for another test event' : 'Listen for test event'}
          </button>
        ) : (
          <>
            <span className="listening" role="status">
              <Spinner label="Listening" /> Waiting for a request… {Math.floor(left / 60)}:{String(left % 60).padStart(2, '0')}
            </span>
            <button type="button" className="btn btn-small" onClick={() => stop.current()}>
              Stop
            </button>
          </>
        )}
      </div>
      {listening && url && (
        <p className="muted small">
          Send one now, e.g. <code className="snippet">{`curl -X POST '${url}' -H 'content-type: application/json' -d '{"email":"ada@example.com"}'`}</code>
        </p>
      )}
      {sample !== undefined && (
        <div className="sample" data-testid="webhook-sample">
          <p className="small" data-testid="webhook-sample-source">
            <strong>{sampleLabel(sampleSource, now)}</strong>: what the data picker offers the next nodes
          </p>
          <JsonView value={sample} label="Sample request" open />
        </div>
      )}
      {isSaved && workflowId && <RequestInspector workflowId={workflowId} nodeId={nodeId} />}
    </section>
  );
}

function RequestInspector({ workflowId, nodeId }: { workflowId: string; nodeId: string }) {
  const [items, setItems] = useState<HookRequest[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    api.nodes.requests(workflowId, nodeId).then(
      (r) => {
        setItems(r.items);
        setError(null);
      },
      (e) => setError(errorMessage(e)),
    );
  return (
    <details className="inspector" onToggle={(e) => (e.currentTarget.open && items === null ? void load() : undefined)}>
      <summary>Recent requests</summary>
      {error && <p className="field-error">{error}</p>}
      {items === null && !error && <Spinner />}
      {items?.length === 0 && <p className="muted small">No requests yet. The last 50 requests to this URL appear here.</p>}
      {items && items.length > 0 && (
        <ul className="inspector-list">
          {items.map((r) => (
            <li key={r.id}>
              <details>
                <summary>
                  <code>{r.method}</code> <span className={`badge ${r.status && r.status >= 400 ? 'status-error' : 'status-success'}`}>{r.status ?? '—'}</span>{' '}
                  <span className="muted">{timeAgo(r.receivedAt)}</span>
                </summary>
                <JsonView value={{ headers: r.headers, query: r.query, body: r.body }} label="Request" open={false} />
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() =>
                    api.nodes.replay(workflowId, nodeId, r.id).then(
                      (x) => {
                        toast('success', 'Replaying the request', 'Watch the canvas for the result.');
                        void trackExecution(x.executionId);
                      },
                      (e) => toast('error', 'Could not replay', errorMessage(e)),
                    )
                  }
                >
                  Replay
                </button>
              </details>
            </li>
          ))}
        </ul>
      )}
      {items && (
        <button type="button" className="btn btn-small btn-ghost" onClick={() => void load()}>
          Refresh
        </button>
      )}
    </details>
  );
}
