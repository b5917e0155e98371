/**
 * A loop's items on the execution page: one item's steps at a time, paged (‹ ›, a jump list, and
 * "next failed"), so a 1,000-item run stays readable. Items of nested loops are keyed `3.1`
 * (the 4th outer item's 2nd inner item) and shown as "4 › 2".
 */
import { useMemo, useState } from 'react';
import { compareIterations, type Step } from '#shared/execution.ts';
import type { WorkflowNode } from '#shared/workflow.ts';
import { StepCard } from './execution-step.tsx';

/** `3.1` → `4 › 2`: positions counted from 1, as a person counts items. */
export const itemLabel = (key: string): string =>
  key
    .split('.')
    .map((n) => String(Number(n) + 1))
    .join(' › ');

export function LoopItems({ loopName, steps, nodes, t0, span }: { loopName: string; steps: Step[]; nodes: Map<string, WorkflowNode>; t0: number; span: number }) {
  const keys = useMemo(() => [...new Set(steps.map((s) => s.iteration!))].sort(compareIterations), [steps]);
  const failed = useMemo(() => new Set(steps.filter((s) => s.status === 'error').map((s) => s.iteration!)), [steps]);
  const [at, setAt] = useState(0);
  const i = Math.min(at, keys.length - 1);
  const key = keys[i]!;
  const shown = steps.filter((s) => s.iteration === key);
  const nextFailed = keys.findIndex((k, j) => j > i && failed.has(k));
  const id = `items-${loopName.replace(/\W+/g, '-')}`;
  return (
    <section className="loop-items" aria-labelledby={id}>
      <div className="loop-items-head">
        <h3 id={id}>
          ⟳ {loopName}: item {itemLabel(key)} <span className="muted">({i + 1} of {keys.length}{failed.size ? `, ${failed.size} failed` : ''})</span>
        </h3>
        <span className="spacer" />
        <button type="button" className="btn btn-small" onClick={() => setAt(i - 1)} disabled={i === 0} aria-label="Previous item">
          ‹
        </button>
        <select className="input loop-items-jump" aria-label="Go to item" value={key} onChange={(e) => setAt(keys.indexOf(e.target.value))}>
          {keys.map((k) => (
            <option key={k} value={k}>
              Item {itemLabel(k)}
              {failed.has(k) ? ' · failed' : ''}
            </option>
          ))}
        </select>
        <button type="button" className="btn btn-small" onClick={() => setAt(i + 1)} disabled={i >= keys.length - 1} aria-label="Next item">
          ›
        </button>
        {failed.size > 0 && (
          <button type="button" className="btn btn-small" onClick={() => setAt(nextFailed)} disabled={nextFailed < 0}>
            Next failed
          </button>
        )}
      </div>
      <ol className="timeline" aria-label={`Steps of item ${itemLabel(key)}`}>
        {shown.map((s) => (
          <StepCard key={`${s.iteration}-${s.nodeId}`} step={s} name={nodes.get(s.nodeId)?.name} type={nodes.get(s.nodeId)?.type} t0={t0} span={span} />
        ))}
      </ol>
    </section>
  );
}
