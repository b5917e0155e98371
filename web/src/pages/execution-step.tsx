/** One step of an execution: status, timing, error, and its recorded data in panels side by side, each foldable. */
import type { Step } from '#shared/execution.ts';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { IoPanel } from '../components/io-panel.tsx';
import { JsonView, StatusBadge } from '../components/ui.tsx';
import { formatDuration } from '../lib/format.ts';
import { panelsFor } from './step-panels.ts';

export function StepCard({ step, name, type, t0, span }: { step: Step; name: string | undefined; type: string | undefined; t0: number; span: number }) {
  const def = type ? getNodeDefinition(type) : undefined;
  const start = Date.parse(step.startedAt ?? '') || t0;
  const end = Date.parse(step.finishedAt ?? '') || start;
  const left = Math.max(0, Math.min(100, ((start - t0) / span) * 100));
  const width = Math.max(0.8, Math.min(100 - left, ((end - start) / span) * 100));
  const title = name ?? def?.title ?? step.nodeId;
  return (
    <li className={`step step-${step.status}`} aria-label={`Step ${title}`} data-node-id={step.nodeId}>
      <div className="step-head">
        <span className="step-icon" aria-hidden="true">
          {def?.icon ?? '•'}
        </span>
        <strong>{title}</strong>
        <code className="muted">{step.nodeId}</code>
        <StatusBadge status={step.status} />
        <span className="muted small">
          {formatDuration(step.durationMs ?? (step.finishedAt && step.startedAt ? end - start : null))}
          {step.attempts > 1 ? ` · ${step.attempts} attempts` : ''}
          {step.handle ? ` · took “${step.handle}”` : ''}
        </span>
      </div>
      <div className="step-bar" aria-hidden="true">
        <span style={{ left: `${left}%`, width: `${width}%` }} />
      </div>
      {step.error && (
        <div className="callout callout-error">
          <strong>{step.error.code}</strong> {step.error.message}
          {/* An HTTP status failure's details are the request and response, shown in the panels below. */}
          {step.error.details !== undefined && !(type === 'action.http' && step.error.code === 'HTTP_STATUS') && (
            <JsonView value={step.error.details} label="Error details" open={false} />
          )}
        </div>
      )}
      {step.status === 'skipped' ? (
        <p className="muted small">Skipped: no branch leading here was taken.</p>
      ) : (
        <div className="step-panels">
          {panelsFor(step, type, def?.kind).map((p) => (
            <IoPanel key={p.label} label={p.label} value={p.value} headline={p.headline} empty={p.empty} truncated={step.truncated ?? false} />
          ))}
        </div>
      )}
    </li>
  );
}
