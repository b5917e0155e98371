/**
 * The text filter of the executions list, one strategy per dialect. Both match `q` literally and
 * case-insensitively as a substring of what an execution saw — its trigger event and its steps'
 * outputs, as stored (JSON, already scrubbed of credentials) — so no character of user input is
 * ever syntax: not FTS5's quotes, `*` or NEAR, not LIKE's `%` or `_`.
 *
 * SQLite, EXECUTION_SEARCH_INDEX=on: the FTS5 trigram index (sqlite/search-index.ts, a file of its
 * own), one document per finished execution, plus a scan of what it does not hold yet.
 * Otherwise, and on PostgreSQL: a scan of the steps' outputs (correct, not indexed; a pg_trgm or
 * tsvector index can take its place behind this same function without touching the callers).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from '../store.ts';

/**
 * Outputs are stored as JSON text, where a quote is `\"` and a backslash `\\`: the query is
 * escaped the same way, so `say "hi"` finds the string it names. Non-ASCII stays as it is.
 */
export const asStoredJson = (q: string): string => JSON.stringify(q).slice(1, -1);

/** An FTS5 phrase: inside double quotes only `"` is special, and it is doubled. */
export const ftsPhrase = (text: string): string => `"${text.replaceAll('"', '""')}"`;

/** The trigram tokenizer indexes runs of 3 characters; a shorter query cannot use the index. */
const TRIGRAM = 3;

/** Whether the full-text index can answer `q` (the rest: a scan, below). */
export const indexable = (q: string): boolean => [...asStoredJson(q)].length >= TRIGRAM;

/** `execution_id` has a stored output containing `text` (already as stored JSON), by reading them. */
function outputsContain(dialect: Dialect, executionId: RawBuilder<unknown>, text: string): RawBuilder<boolean> {
  return dialect === 'postgres'
    ? sql<boolean>`EXISTS (SELECT 1 FROM steps s WHERE s.execution_id = ${executionId} AND strpos(lower(s.output), lower(${text})) > 0)`
    : sql<boolean>`EXISTS (SELECT 1 FROM steps s WHERE s.execution_id = ${executionId} AND instr(lower(s.output), lower(${text})) > 0)`;
}

/**
 * A condition on `executions.id`: the execution's event or outputs contain `q`. `indexed`: the
 * query runs on the search reader's connection (Store.search; SQLite), where the index is built
 * and `q` is indexable. The index holds what the indexer has done, up to its mark: executions
 * still under way, and those ended since (the queue above the mark), are scanned — few, so a run
 * is found the moment its event is stored, not once the indexer reaches it.
 */
export function textMatch(dialect: Dialect, q: string, indexed = false): RawBuilder<boolean> {
  const text = asStoredJson(q);
  if (!indexed) return outputsContain(dialect, sql`executions.id`, text);
  return sql<boolean>`executions.id IN (
    SELECT d.execution_id FROM execution_search f JOIN search_docs d ON d.doc = f.rowid WHERE execution_search MATCH ${ftsPhrase(text)}
    UNION ALL
    SELECT u.id FROM executions u WHERE u.status IN ('queued', 'running') AND ${outputsContain(dialect, sql`u.id`, text)}
    UNION ALL
    SELECT t.execution_id FROM execution_search_queue t WHERE t.seq > (SELECT mark FROM search_state WHERE id = 1) AND ${outputsContain(dialect, sql`t.execution_id`, text)}
  )`;
}
