/** How executions are named on screen: the way they started, in words rather than enum values. */
import type { ExecutionMode } from '#shared/execution.ts';

const MODE_LABEL: Record<ExecutionMode, string> = {
  webhook: 'Webhook',
  schedule: 'Schedule',
  poll: 'Poll',
  manual: 'Manual run',
  retry: 'Retry',
  replay: 'Replayed request',
  call: 'Called by a workflow',
  error: 'Another workflow failed',
};

export function modeLabel(mode: string): string {
  return MODE_LABEL[mode as ExecutionMode] ?? mode;
}

/** Execution ids are long; lists show their tail, which is what differs between neighbours. */
export function shortId(id: string): string {
  return id.length > 10 ? `…${id.slice(-6)}` : id;
}
