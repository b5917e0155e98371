/** Renders the toasts (see lib/toast.ts), politely announced to screen readers. */
import { useToasts } from '../lib/toast.ts';

export function Toaster() {
  const toasts = useToasts((s) => s.toasts);
  const dismiss = useToasts((s) => s.dismiss);
  return (
    <div className="toaster" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <div className="toast-text">
            <strong>{t.message}</strong>
            {t.detail && <span>{t.detail}</span>}
            {t.action && (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => {
                  dismiss(t.id);
                  t.action!.run();
                }}
              >
                {t.action.label}
              </button>
            )}
          </div>
          <button type="button" className="btn btn-icon btn-ghost" aria-label="Dismiss notification" onClick={() => dismiss(t.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
