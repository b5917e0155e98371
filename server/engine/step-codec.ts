/** Step values <-> stored rows: JSON encoding, output size cap (marked truncated), error shape. */
import type { Step, StepError } from '#shared/execution.ts';
import { NodeFailure, RetryableError } from '#shared/errors.ts';
import { iso } from '../lib/clock.ts';
import type { StepRow } from '../db/store.ts';

export const DEFAULT_MAX_STEP_BYTES = 256 * 1024;
const PREVIEW_CHARS = 2048;

/** Encodes a value for storage; past `maxBytes` it stores a marked preview instead. */
export function encodeValue(value: unknown, maxBytes: number): { json: string | null; truncated: boolean } {
  if (value === undefined) return { json: null, truncated: false };
  const json = JSON.stringify(value) ?? null;
  if (json === null || json.length <= maxBytes) return { json, truncated: false };
  return {
    json: JSON.stringify({ $truncated: true, bytes: json.length, preview: json.slice(0, PREVIEW_CHARS) }),
    truncated: true,
  };
}

export const decodeValue = (json: string | null): unknown => (json == null ? null : JSON.parse(json));

/** A thrown value as a user-safe step error: code and message, never a stack. */
export function toStepError(err: unknown): StepError {
  if (err instanceof NodeFailure || err instanceof RetryableError) {
    return err.details === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, details: err.details };
  }
  if (err instanceof Error) {
    const raw = (err as Error & { code?: unknown }).code;
    const code = typeof raw === 'string' ? raw : 'NODE_ERROR';
    return { code, message: err.message };
  }
  return { code: 'NODE_ERROR', message: String(err) };
}

export function rowToStep(row: StepRow, input?: unknown): Step {
  return {
    nodeId: row.node_id,
    ...(row.iteration ? { iteration: row.iteration } : {}),
    status: row.status as Step['status'],
    attempts: row.attempts,
    input: row.input != null ? decodeValue(row.input) : (input ?? null),
    output: decodeValue(row.output),
    error: row.error ? (JSON.parse(row.error) as StepError) : null,
    handle: row.handle,
    truncated: row.truncated === 1,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    durationMs: row.started_at != null && row.finished_at != null ? row.finished_at - row.started_at : null,
  };
}
