/**
 * The poll trigger's panel sections: its live state (last poll and its result, next poll, ticking)
 * and "Test poll", which says plainly when the `items` path finds nothing (with the raw response
 * and the lists in it to pick from) and when the `key` finds nothing (the content hash stands in).
 */
import { useState } from 'react';
import type { PollTestResult } from '#shared/api/poll-test.ts';
import type { TriggerInfo } from '#shared/workflow.ts';
import { api, errorMessage } from '../api/client.ts';
import { CopyButton, JsonView } from '../components/ui.tsx';
import { formatDateTime, plural, timeFromNow } from '../lib/format.ts';
import { ensureSaved } from './actions.ts';
import { useLiveTriggerState, useNow } from './poll-live.ts';
import { useEditorStore } from './store.ts';

export function PollStatus({ nodeId }: { nodeId: string }) {
  const workflowId = useEditorStore((s) => s.workflow?.id);
  const active = useEditorStore((s) => s.workflow?.active ?? false);
  const info = useEditorStore((s) => s.workflow?.triggers.find((t) => t.nodeId === nodeId));
  useLiveTriggerState(workflowId, nodeId, active && info !== undefined);
  const now = useNow();
  if (!active || !info) return null;
  return (
    <dl className="kv-list" aria-label="Poll state">
      <div>
        <dt>Last poll</dt>
        <dd data-testid="last-poll" data-at={info.lastPolledAt ?? ''} title={info.lastPolledAt ? formatDateTime(info.lastPolledAt) : undefined}>
          {/* A poll that just happened can be up to a tick ahead of `now`: it is past, so never "in 1 s". */}
          {info.lastPolledAt ? timeFromNow(info.lastPolledAt, Math.max(now, Date.parse(info.lastPolledAt))) : 'not yet'}
          {/* A successful poll clears the error: one there means the last poll failed. */}
          {info.lastPolledAt && (info.lastError ? ' · failed' : ` · ${outcome(info.lastPoll)}`)}
        </dd>
      </div>
      <div>
        <dt>Next poll</dt>
        <dd data-testid="next-poll" title={info.nextPollAt ? formatDateTime(info.nextPollAt) : undefined}>
          {info.nextPollAt ? (Date.parse(info.nextPollAt) > now ? timeFromNow(info.nextPollAt, now) : 'due now') : 'shortly'}
        </dd>
      </div>
      {info.lastError && (
        <div>
          <dt>Last error</dt>
          <dd>
            {info.lastError}
            {info.lastErrorAt ? ` (${timeFromNow(info.lastErrorAt, now)})` : ''}
          </dd>
        </div>
      )}
    </dl>
  );
}

/** The last successful poll in words: "4 items, 1 new run", "not modified". */
function outcome(last: TriggerInfo['lastPoll']): string {
  if (!last) return 'ok';
  if (last.notModified) return 'not modified';
  return `${plural(last.items ?? 0, 'item')}, ${plural(last.started ?? 0, 'new run')}`;
}

type Tested = { result: PollTestResult; items: string; key: string };

export function PollExtras({ nodeId }: { nodeId: string }) {
  const [busy, setBusy] = useState(false);
  const [tested, setTested] = useState<Tested | null>(null);
  const [error, setError] = useState<string | null>(null);
  const test = async () => {
    setBusy(true);
    setError(null);
    const saved = await ensureSaved();
    const s = useEditorStore.getState();
    const node = s.nodes.find((n) => n.id === nodeId);
    if (!saved || !s.workflow || !node) {
      setBusy(false);
      return;
    }
    const config = node.data.config;
    try {
      const result = await api.nodes.testPoll(s.workflow.id, nodeId, config);
      // The paths as tested, so the messages name what was tried even if the fields change since.
      setTested({ result, items: String(config.items ?? 'body'), key: String(config.key ?? 'id') });
      const first = result.items[0];
      const polledAt = new Date().toISOString();
      if (first) s.setSample(nodeId, { item: first.item, polledAt }, { kind: 'test-poll', at: polledAt });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="trigger-box" aria-label="Test poll">
      <div className="row">
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void test()}>
          {busy ? 'Polling…' : 'Test poll'}
        </button>
        <span className="muted small">Fetches once now and shows the items and keys found; nothing runs.</span>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {tested && <PollTestView nodeId={nodeId} tested={tested} />}
    </section>
  );
}

function PollTestView({ nodeId, tested: { result, items: itemsPath, key: keyPath } }: { nodeId: string; tested: Tested }) {
  const total = result.total ?? result.items.length;
  const found = result.found ?? (total ? 'list' : 'nothing');
  const unkeyed = result.unkeyed ?? result.items.filter((it) => it.keyed === false).length;
  const response = result.response ?? null;
  const lists = (response?.lists ?? []).filter((p) => p !== itemsPath);
  const missed = found !== 'list';
  return (
    <div className="poll-result" aria-label="Test poll result">
      <p className="small">
        {result.status !== undefined && result.status !== null && (
          <>
            HTTP <strong>{result.status}</strong> ·{' '}
          </>
        )}
        <strong>{total}</strong> item{total === 1 ? '' : 's'} found
        {total > result.items.length && ` (showing the first ${result.items.length} of ${total})`}
        {result.items.length > 0 && ' · the first one is now sample data for the next nodes'}
      </p>
      {found === 'nothing' && (
        <div className="callout callout-warn" role="alert" data-testid="poll-items-missing">
          <p>
            The items path <code>{itemsPath}</code> found nothing in the response{response ? ' below' : ''}. Set <strong>Items</strong> to the path of the list of items
            (it starts at <code>body</code>, <code>headers</code> or <code>status</code>).
          </p>
          <ListSuggestions nodeId={nodeId} lists={lists} />
        </div>
      )}
      {found === 'single' && (
        <div className="callout callout-warn" role="alert" data-testid="poll-items-single">
          <p>
            The items path <code>{itemsPath}</code> found one value, not a list, so it is polled as a single item (a filter that matches one item looks the same). If the
            items are in a list inside the response, set <strong>Items</strong> to that list’s path.
          </p>
          <ListSuggestions nodeId={nodeId} lists={lists} />
        </div>
      )}
      {unkeyed > 0 && (
        <div className="callout callout-warn" role="alert" data-testid="poll-key-missing">
          <p>
            The key <code>{keyPath}</code> found nothing for {unkeyed === total ? (total === 1 ? 'the item' : `all ${total} items`) : `${unkeyed} of ${total} items`}: a hash of each
            item’s whole content is used as its key instead, so an item whose content changes counts as new. Set <strong>Item key</strong> to a field that is unique per item, e.g.{' '}
            <code>id</code>.
          </p>
        </div>
      )}
      {response && <RawResponse response={response} open={missed} />}
      <ul className="poll-items">
        {result.items.slice(0, 50).map((it, i) => (
          <li key={`${it.key}-${i}`}>
            <JsonView value={it.item} label={it.keyed === false ? `key ${it.key} (content hash)` : `key ${it.key}`} open={false} />
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The lists found in the response, one click from becoming the `items` path. */
function ListSuggestions({ nodeId, lists }: { nodeId: string; lists: string[] }) {
  if (!lists.length) return null;
  return (
    <p className="row">
      Lists in this response:
      {lists.map((path) => (
        <button key={path} type="button" className="btn btn-small" title="Use this path as Items, then test again" onClick={() => useEditorStore.getState().updateConfig(nodeId, { items: path })}>
          Use <code>{path}</code>
        </button>
      ))}
    </p>
  );
}

function RawResponse({ response, open }: { response: NonNullable<PollTestResult['response']>; open: boolean }) {
  return (
    <details className="json" open={open || undefined} data-testid="poll-raw-response">
      <summary>
        <span>Response body (HTTP {response.status})</span>
        {response.truncated && <span className="badge status-waiting">first {plural(response.body.length, 'character')}</span>}
      </summary>
      <div className="json-body">
        <pre aria-label="Response body">{response.body === '' ? '(empty)' : response.body}</pre>
        <CopyButton text={response.body} label="Copy response body" />
      </div>
    </details>
  );
}
