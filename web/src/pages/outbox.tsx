/** The outbox: mail captured when no SMTP server is configured. */
import { useState } from 'react';
import { api, type OutboxMail } from '../api/client.ts';
import { useMeta } from '../api/meta.ts';
import { EmptyState, ErrorState, Loading } from '../components/ui.tsx';
import { useAsync } from '../components/use-async.ts';
import { formatDateTime, timeAgo } from '../lib/format.ts';

const list = (v: string | string[] | null | undefined) => (Array.isArray(v) ? v.join(', ') : (v ?? ''));

export function OutboxPage() {
  const mails = useAsync(() => api.outbox({ limit: 50 }), []);
  const [older, setOlder] = useState<{ items: OutboxMail[]; cursor: string | null } | null>(null);
  const meta = useMeta();
  const [open, setOpen] = useState<string | null>(null);
  const items = [...(mails.data?.items ?? []), ...(older?.items ?? [])];
  const cursor = older ? older.cursor : (mails.data?.nextCursor ?? null);
  const loadMore = () => {
    if (!cursor) return;
    api.outbox({ limit: 50, cursor }).then(
      (r) => setOlder((o) => ({ items: [...(o?.items ?? []), ...r.items], cursor: r.nextCursor ?? null })),
      () => undefined,
    );
  };

  return (
    <div className="page">
      <header className="page-head">
        <h1>Outbox</h1>
        <span className="spacer" />
        <button
          type="button"
          className="btn"
          onClick={() => {
            setOlder(null);
            mails.reload();
          }}
        >
          Refresh
        </button>
      </header>
      {meta && !meta.smtpConfigured && (
        <div className="callout callout-warn" role="note">
          <strong>No mail server is configured, so email is not delivered.</strong> Messages that workflows send are captured here instead. Set{' '}
          <code>SMTP_URL</code> on the server, or give the Send Email node an SMTP credential, to deliver them.
        </div>
      )}
      {meta?.smtpConfigured && <p className="muted page-intro">Mail is delivered through the configured SMTP server. This outbox keeps what was captured while none was set.</p>}
      {mails.loading && !mails.data ? (
        <Loading label="Loading the outbox…" />
      ) : mails.error ? (
        <ErrorState message={mails.error} onRetry={mails.reload} />
      ) : items.length === 0 ? (
        <EmptyState icon="✉" title="The outbox is empty">
          <p>When a Send Email node runs without a mail server, the message lands here so you can check it.</p>
        </EmptyState>
      ) : (
        <ul className="mail-list">
          {items.map((m: OutboxMail) => (
            <li key={m.id} className={open === m.id ? 'open' : ''}>
              <button type="button" className="mail-head" aria-expanded={open === m.id} onClick={() => setOpen(open === m.id ? null : m.id)}>
                <strong>{m.subject || '(no subject)'}</strong>
                <span className="muted">to {list(m.to)}</span>
                <span className="spacer" />
                <span className="muted small" title={formatDateTime(m.createdAt)}>
                  {timeAgo(m.createdAt)}
                </span>
              </button>
              {open === m.id && (
                <div className="mail-body">
                  <dl className="kv-list">
                    <div><dt>From</dt><dd>{m.from || '—'}</dd></div>
                    <div><dt>To</dt><dd>{list(m.to)}</dd></div>
                    {m.cc.length > 0 && <div><dt>Cc</dt><dd>{list(m.cc)}</dd></div>}
                    <div><dt>Message-ID</dt><dd><code>{m.messageId ?? '—'}</code></dd></div>
                  </dl>
                  {m.html ? (
                    <iframe title={`Email: ${m.subject ?? ''}`} className="mail-html" sandbox="" srcDoc={m.html} />
                  ) : (
                    <pre className="mail-text">{m.text ?? ''}</pre>
                  )}
                  {m.html && m.text && (
                    <details>
                      <summary>Plain text version</summary>
                      <pre className="mail-text">{m.text}</pre>
                    </details>
                  )}
                </div>
              )}
            </li>
          ))}
          {cursor && (
            <li>
              <button type="button" className="btn load-more" onClick={loadMore}>
                Load older mail
              </button>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
