/** One wording for where a node's sample came from, shared by the webhook panel and the data picker. */
import { timeAgo } from '../lib/format.ts';
import type { SampleSource } from './slices/run.ts';

export function sampleLabel(source: SampleSource | undefined, now = Date.now()): string {
  if (!source) return 'Declared sample (no run yet)';
  const when = source.at ? ` ${timeAgo(source.at, now)}` : '';
  if (source.kind === 'test-event') return `Test event, captured${when}`;
  if (source.kind === 'test-poll') return `Test poll,${when}`;
  return `From run ${source.executionId},${when}`;
}
