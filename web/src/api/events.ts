/**
 * Live updates from `GET /api/events` (server-sent events): one shared EventSource, opened while
 * anything listens. Events: `execution` (an ExecutionSummary) and `step` ({executionId, workflowId, step}).
 */
import { useEffect, useRef } from 'react';
import { ExecutionSummary, Step } from '#shared/execution.ts';
import { z } from 'zod';

export const StepEvent = z.object({ executionId: z.string(), workflowId: z.string(), step: Step });
export type StepEvent = z.infer<typeof StepEvent>;

type Handlers = { execution?: (e: ExecutionSummary) => void; step?: (e: StepEvent) => void };

const listeners = new Set<{ current: Handlers }>();
let source: EventSource | null = null;

function dispatch<T>(schema: z.ZodType<T>, raw: string, pick: (h: Handlers) => ((v: T) => void) | undefined) {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return; // a malformed event is dropped; the next one or a refresh brings the state back
  }
  const parsed = schema.safeParse(value);
  const data = parsed.success ? parsed.data : (value as T);
  for (const l of listeners) pick(l.current)?.(data);
}

function open() {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/api/events');
  source.addEventListener('execution', (e) => dispatch(ExecutionSummary, (e as MessageEvent<string>).data, (h) => h.execution));
  source.addEventListener('step', (e) => dispatch(StepEvent, (e as MessageEvent<string>).data, (h) => h.step));
}

function close() {
  source?.close();
  source = null;
}

/** Subscribes the component to live events; handlers may change between renders. */
export function useServerEvents(handlers: Handlers): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    listeners.add(ref);
    open();
    return () => {
      listeners.delete(ref);
      if (listeners.size === 0) close();
    };
  }, []);
}
