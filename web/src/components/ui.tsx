/** Small shared building blocks: status badges, empty/error/loading states, switch, copy button, JSON view. */
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { toast } from '../lib/toast.ts';
import { Icon } from './icons.tsx';

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return <span className="spinner" role="progressbar" aria-label={label} />;
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" aria-busy="true">
      <Spinner label={label} />
      <span>{label}</span>
    </div>
  );
}

export function ErrorState({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <strong>Something went wrong</strong>
      <span>{message}</span>
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function EmptyState({ icon, title, children, action }: { icon: ReactNode; title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-icon" aria-hidden="true">
        {icon}
      </div>
      <h2>{title}</h2>
      {children && <div className="empty-body">{children}</div>}
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}

const STATUS_LABEL: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  success: 'Succeeded',
  error: 'Failed',
  canceled: 'Canceled',
  skipped: 'Skipped',
  waiting: 'Waiting',
};

/** A status as its badge names it ("Succeeded", "Failed"), for filters and sentences too. */
export function statusLabel(status: string): string {
  return STATUS_LABEL[status] ?? status;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{statusLabel(status)}</span>;
}

export function Switch({ checked, onChange, label, disabled }: { checked: boolean; onChange: (v: boolean) => void; label: string; disabled?: boolean }) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      disabled={disabled}
      className={`switch${checked ? ' on' : ''}`}
      onClick={() => onChange(!checked)}
    >
      <span className="switch-thumb" />
    </button>
  );
}

export async function copyText(text: string, what = 'Copied'): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    toast('success', what);
  } catch {
    // Clipboard access can be refused (http origin, permissions): fall back to a selection copy.
    const ta = document.createElement('textarea');
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    toast(ok ? 'success' : 'error', ok ? what : 'Could not copy; select the text and copy it by hand');
  }
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  return (
    <button type="button" className="btn btn-icon" aria-label={label} title={label} onClick={() => void copyText(text)}>
      <Icon name="copy" size={15} />
    </button>
  );
}

const MAX_JSON_CHARS = 200_000;

export function stringify(value: unknown): string {
  if (value === undefined) return '(nothing)';
  try {
    const s = JSON.stringify(value, null, 2) ?? String(value);
    return s.length > MAX_JSON_CHARS ? `${s.slice(0, MAX_JSON_CHARS)}\n… (cut for display)` : s;
  } catch {
    return String(value);
  }
}

/** Collapsible, copyable JSON. */
export function JsonView({ value, label, open = true, truncated }: { value: unknown; label: string; open?: boolean; truncated?: boolean }) {
  const text = stringify(value);
  const id = useId();
  return (
    <details className="json" open={open}>
      <summary>
        <span id={id}>{label}</span>
        {truncated && <span className="badge status-waiting">truncated</span>}
      </summary>
      <div className="json-body">
        {/* A region in the tab order, so a long value scrolls from the keyboard too. */}
        <pre role="region" tabIndex={0} aria-labelledby={id}>
          {text}
        </pre>
        <CopyButton text={text} label={`Copy ${label.toLowerCase()}`} />
      </div>
    </details>
  );
}

/**
 * Keys inside a modal dialog: Escape closes it, and Tab and Shift+Tab wrap around its own controls
 * instead of leaving for the page behind it (aria-modal promises that nothing else is reachable).
 */
/** What Tab can reach inside a dialog. */
const FOCUSABLE = 'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';

export function modalKeys(onClose: () => void) {
  return (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === 'Escape') return onClose();
    if (e.key !== 'Tab') return;
    const focusable = [...e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
      (el) => !el.hasAttribute('disabled') && el.getClientRects().length > 0,
    );
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
}

/** A button that asks first; used for destructive actions. */
export function useConfirm(): [ReactNode, (message: string, confirmLabel?: string) => Promise<boolean>] {
  const [state, setState] = useState<{ message: string; confirmLabel: string; resolve: (v: boolean) => void } | null>(null);
  const ask = (message: string, confirmLabel = 'Delete') => new Promise<boolean>((resolve) => setState({ message, confirmLabel, resolve }));
  const close = (v: boolean) => {
    state?.resolve(v);
    setState(null);
  };
  const node = state ? (
    <div className="modal-backdrop" onMouseDown={() => close(false)}>
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-label="Please confirm"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={modalKeys(() => close(false))}
      >
        <p>{state.message}</p>
        <div className="modal-actions">
          <button type="button" className="btn" onClick={() => close(false)} autoFocus>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" onClick={() => close(true)}>
            {state.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  ) : null;
  return [node, ask];
}

/** `className`: extra classes on the dialog box (a wider layout). */
export function Modal({ title, onClose, children, className = '' }: { title: string; onClose: () => void; children: ReactNode; className?: string }) {
  const dialog = useRef<HTMLDivElement>(null);
  // Focus moves into the dialog (its first field, else its first control) and, when it closes,
  // back to whatever opened it: read while rendering, before a field's autoFocus moves it.
  const [opener] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null));
  useEffect(() => {
    const box = dialog.current;
    if (box && !box.contains(document.activeElement)) {
      const field = box.querySelector<HTMLElement>('.modal-head ~ :is(input, select, textarea), .modal-head ~ * :is(input, select, textarea)');
      (field ?? box.querySelector<HTMLElement>(FOCUSABLE))?.focus();
    }
    return () => {
      if (opener?.isConnected) opener.focus();
    };
  }, [opener]);
  return (
    <div className="modal-backdrop" onMouseDown={onClose}>
      <div ref={dialog} className={`modal modal-wide ${className}`.trim()} role="dialog" aria-modal="true" aria-label={title} onMouseDown={(e) => e.stopPropagation()} onKeyDown={modalKeys(onClose)}>
        <div className="modal-head">
          <h2>{title}</h2>
          <button type="button" className="btn btn-icon" aria-label="Close" onClick={onClose}>
            <Icon name="close" />
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}
