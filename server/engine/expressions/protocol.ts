/** Messages between the engine and its isolated worker (worker.mjs); structured-cloned plain data. */
import type { Limits } from './limits.ts';

export type WorkerJob = { id: number; source: string; data: unknown; limits: Limits; maxSequence: number };

/** What the worker saw thrown: a JSONata error object, a RangeError, or one of our coded errors. */
export type ThrownInfo = { code?: string; message: string; position?: number; range?: boolean; inner?: ThrownInfo };

export type WorkerReply = { kind: 'ready' } | { kind: 'value'; id: number; value: unknown } | { kind: 'error'; id: number; error: ThrownInfo };
