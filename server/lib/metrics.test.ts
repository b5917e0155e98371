/** The recorders' label rules and the scrape-time gauges, on a real prom-client registry. */
import { describe, expect, it } from 'vitest';
import { parseSamples, valueOf } from '../../test/observability/metrics-text.ts';
import { createMetrics, statusClass } from './metrics.ts';

const samplesOf = async (m: ReturnType<typeof createMetrics>) => parseSamples(await m.render());

describe('metrics recorders', () => {
  it('maps statuses to the five classes, anything without a response to error', () => {
    expect([200, 204, 301, 404, 429, 500, 599].map(statusClass)).toEqual(['2xx', '2xx', '3xx', '4xx', '4xx', '5xx', '5xx']);
    expect([undefined, 0, 101, 600].map(statusClass)).toEqual(['error', 'error', 'error', 'error']);
  });

  it('labels steps by registered node type only, and leaves skipped steps out', async () => {
    const m = createMetrics({ maxWorkflows: 10 });
    m.step('action.http', 'success', 250);
    m.step('no.such.type', 'success', 1);
    m.step('made-up-by-an-import', 'error', 1);
    m.step('logic.if', 'skipped', 0);
    const s = await samplesOf(m);
    expect(valueOf(s, 'switchyard_step_duration_seconds_sum', { node_type: 'action.http', status: 'success' })).toBe(0.25);
    expect(valueOf(s, 'switchyard_step_duration_seconds_count', { node_type: 'unknown', status: 'success' })).toBe(1);
    expect(valueOf(s, 'switchyard_step_duration_seconds_count', { node_type: 'unknown', status: 'error' })).toBe(1);
    expect(valueOf(s, 'switchyard_step_duration_seconds_count', { node_type: 'logic.if', status: 'skipped' })).toBeUndefined();
  });

  it('records schedule lag, poll failures (capped workflows) and group-commit stats', async () => {
    const m = createMetrics({ maxWorkflows: 1 });
    m.scheduleFired(1500);
    m.scheduleFired(-5); // a clock step backwards: no negative lag
    m.pollFailed('wf_a');
    m.pollFailed('wf_b');
    m.pollFailed('wf_a');
    m.groupCommit.batch(3);
    m.groupCommit.batch(5);
    m.groupCommit.fsync(4);
    const s = await samplesOf(m);
    expect(valueOf(s, 'switchyard_schedule_lag_seconds_count')).toBe(2);
    expect(valueOf(s, 'switchyard_schedule_lag_seconds_sum')).toBe(1.5);
    expect(valueOf(s, 'switchyard_schedule_lag_seconds_bucket', { le: '1' })).toBe(1);
    expect(valueOf(s, 'switchyard_poll_failures_total', { workflow: 'wf_a' })).toBe(2);
    expect(valueOf(s, 'switchyard_poll_failures_total', { workflow: 'other' })).toBe(1);
    expect(valueOf(s, 'switchyard_group_commit_batch_size_sum')).toBe(8);
    expect(valueOf(s, 'switchyard_group_commit_batch_size_bucket', { le: '4' })).toBe(1);
    expect(valueOf(s, 'switchyard_group_commit_fsync_seconds_sum')).toBe(0.004);
  });

  it('reads the queue once per scrape, at scrape time', async () => {
    let t = 100_000;
    const m = createMetrics({ maxWorkflows: 1, now: () => t });
    let reads = 0;
    let snapshot = { depth: 0, running: 0, parked: 0, oldestQueuedAt: null as number | null };
    m.setQueueSource(() => (reads++, snapshot));
    expect(valueOf(await samplesOf(m), 'switchyard_queue_oldest_age_seconds')).toBe(0);
    snapshot = { depth: 7, running: 2, parked: 1, oldestQueuedAt: 88_000 };
    const s = await samplesOf(m);
    expect(valueOf(s, 'switchyard_queue_depth')).toBe(7);
    expect(valueOf(s, 'switchyard_queue_oldest_age_seconds')).toBe(12);
    expect(valueOf(s, 'switchyard_executions_running')).toBe(2);
    expect(valueOf(s, 'switchyard_executions_parked')).toBe(1);
    expect(reads).toBe(2);
    t = 130_000;
    expect(valueOf(await samplesOf(m), 'switchyard_queue_oldest_age_seconds')).toBe(42);
  });
});
