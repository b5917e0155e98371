/**
 * "Act on all N matching" for the executions page: retry, cancel or delete every execution the
 * page's filters match (not just the rows loaded), as one background job whose progress is shown
 * until it is done (POST /api/executions/bulk, then its job polled).
 */
import { useEffect, useState } from 'react';
import type { BulkFilter, BulkJob } from '#shared/api/bulk.ts';
import { api, errorMessage } from '../api/client.ts';
import { useConfirm } from '../components/ui.tsx';
import { toast } from '../lib/toast.ts';

const VERB = { retry: 'Retry', cancel: 'Cancel', delete: 'Delete' } as const;
type Action = keyof typeof VERB;

export function BulkBar({ filter, onDone }: { filter: BulkFilter; onDone(): void }) {
  const [total, setTotal] = useState<number | null>(null);
  const [job, setJob] = useState<BulkJob | null>(null);
  const [dialog, confirm] = useConfirm();
  const key = JSON.stringify(filter);

  useEffect(() => {
    let live = true;
    setTotal(null);
    api.executions.bulkCount(filter).then(
      (r) => live && setTotal(r.total),
      () => live && setTotal(null),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the filter is compared by value
  }, [key]);

  useEffect(() => {
    if (!job || job.status === 'done') return;
    const t = setInterval(() => {
      api.executions.bulkJob(job.jobId).then((j) => {
        setJob(j);
        if (j.status === 'done') onDone();
      }, () => undefined);
    }, 500);
    return () => clearInterval(t);
  }, [job, onDone]);

  const start = async (action: Action) => {
    if (!total) return;
    const what = `${VERB[action].toLowerCase()} all ${total.toLocaleString('en')} matching execution${total === 1 ? '' : 's'}`;
    const extra = action === 'delete' ? ' Their records are gone for good (unfinished ones are left alone).' : action === 'cancel' ? ' Finished ones are left alone.' : ' Each is run again from its trigger event.';
    if (!(await confirm(`${what[0]!.toUpperCase()}${what.slice(1)}?${extra}`, VERB[action]))) return;
    try {
      setJob(await api.executions.bulk({ action, filter }));
    } catch (e) {
      toast('error', 'Could not start', errorMessage(e));
    }
  };

  if (!total && !job) return null;
  const running = job !== null && job.status !== 'done';
  return (
    <div className="bulk-bar" role="region" aria-label="Act on all matching executions">
      {job ? (
        <p className="bulk-progress" role="status">
          {VERB[job.action]}: {job.done.toLocaleString('en')} / {job.total.toLocaleString('en')} done
          {job.failed ? ` · ${job.failed.toLocaleString('en')} refused` : ''}
          {job.status === 'done' ? ' ✓' : '…'}
        </p>
      ) : (
        <p>All {total!.toLocaleString('en')} matching:</p>
      )}
      {(Object.keys(VERB) as Action[]).map((a) => (
        <button key={a} type="button" className={`btn btn-small${a === 'delete' ? ' btn-danger' : ''}`} disabled={running || !total} onClick={() => void start(a)}>
          {VERB[a]} all {total?.toLocaleString('en') ?? ''}
        </button>
      ))}
      {dialog}
    </div>
  );
}
