/** Decorators that scrub known secret values from what the engine records and emits (see lib/secret-scrubber.ts). */
import type { ExecutionStore } from '../db/store.ts';
import type { SecretScrubber } from '../lib/secret-scrubber.ts';
import type { EngineEvents } from './events.ts';

/** The executor's store with step rows and execution errors scrubbed on their way to disk. */
export function scrubbingStore(store: ExecutionStore, secrets: SecretScrubber): ExecutionStore {
  return {
    ...store,
    writeStep: (row, lease) =>
      store.writeStep(
        secrets.size ? { ...row, input: secrets.scrubJson(row.input), output: secrets.scrubJson(row.output), error: secrets.scrubJson(row.error) } : row,
        lease,
      ),
    finish: (id, status, error, at, startedAt, lease) => store.finish(id, status, secrets.scrubJson(error), at, startedAt, lease),
  };
}

/** The executor's event bus with step and execution events scrubbed before any listener (SSE) sees them. */
export function scrubbingEvents(events: EngineEvents, secrets: SecretScrubber): EngineEvents {
  return {
    ...events,
    emitStep: (e) => events.emitStep(secrets.scrub(e)),
    emitExecution: (e) => events.emitExecution(secrets.scrub(e)),
  };
}
