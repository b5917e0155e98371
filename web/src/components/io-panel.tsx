/**
 * One foldable panel of recorded data (a step's input, output, request sent, response): a header
 * button with a chevron and aria-expanded that folds the body, a one-line headline that stays
 * visible when folded (e.g. `POST https://…`), and a copy button.
 */
import { useId, useState, type ReactNode } from 'react';
import { CopyButton, stringify } from './ui.tsx';

export function IoPanel({
  label,
  value,
  headline,
  empty,
  truncated,
  defaultOpen = true,
}: {
  label: string;
  value: unknown;
  /** Shown under the header, folded or not. */
  headline?: ReactNode;
  /** Said instead of the JSON when there is no value (a failed step has no output). */
  empty?: string;
  truncated?: boolean;
  defaultOpen?: boolean;
}) {
  const [open, setOpen] = useState(defaultOpen);
  const id = useId();
  const missing = value === undefined || (value === null && empty !== undefined);
  const text = missing ? '' : stringify(value);
  return (
    <section className="io" aria-labelledby={`${id}-label`}>
      <div className="io-head">
        <button type="button" className="io-toggle" aria-expanded={open} aria-controls={`${id}-body`} onClick={() => setOpen((o) => !o)}>
          <svg width="12" height="12" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2.4} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
            <path d="M9 6l6 6-6 6" />
          </svg>
          <span id={`${id}-label`}>{label}</span>
          {!open && (
            <span className="io-state" aria-hidden="true">
              (hidden)
            </span>
          )}
        </button>
        {truncated && <span className="badge status-waiting">truncated</span>}
        {!missing && <CopyButton text={text} label={`Copy ${label.toLowerCase()}`} />}
      </div>
      {headline && <p className="io-headline">{headline}</p>}
      <div className="io-body" id={`${id}-body`} hidden={!open}>
        {missing ? <p className="io-empty">{empty ?? 'Nothing recorded.'}</p> : <pre tabIndex={0} aria-labelledby={`${id}-label`} role="document">{text}</pre>}
      </div>
    </section>
  );
}
