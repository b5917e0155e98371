/**
 * The text filter of the executions list, one strategy per dialect. Both match `q` literally and
 * case-insensitively as a substring of what an execution saw — its trigger event and its steps'
 * outputs, as stored (JSON, already scrubbed of credentials) — so no character of user input is
 * ever syntax: not FTS5's quotes, `*` or NEAR, not LIKE's `%` or `_`.
 *
 * SQLite: the FTS5 trigram index of migration 009 (execution_search), one document per execution.
 * PostgreSQL: a scan of the steps' outputs (correct, not indexed; a pg_trgm or tsvector index can
 * take its place behind this same function without touching the callers).
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

/** A LIKE pattern matching `text` anywhere, its wildcards escaped (with `\`). */
export const likeContaining = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The trigram tokenizer indexes runs of 3 characters; a shorter query cannot use the index. */
const TRIGRAM = 3;

/** A condition on `executions.id`: the execution's event or outputs contain `q`. */
export function textMatch(dialect: Dialect, q: string, indexed = true): RawBuilder<boolean> {
  const text = asStoredJson(q);
  if (dialect === 'postgres') {
    return sql<boolean>`EXISTS (SELECT 1 FROM steps s WHERE s.execution_id = executions.id AND strpos(lower(s.output), lower(${text})) > 0)`;
  }
  // SQLite without the index (EXECUTION_SEARCH_INDEX=off): the same literal match, by a scan.
  if (!indexed) return sql<boolean>`EXISTS (SELECT 1 FROM steps s WHERE s.execution_id = executions.id AND instr(lower(s.output), lower(${text})) > 0)`;
  const docs = sql`SELECT d.execution_id FROM execution_search f JOIN execution_search_docs d ON d.doc = f.rowid`;
  if ([...text].length < TRIGRAM) {
    // One or two characters: LIKE over the indexed text (a scan, and a rare query).
    return sql<boolean>`executions.id IN (${docs} WHERE f.body LIKE ${likeContaining(text)} ESCAPE '\\')`;
  }
  return sql<boolean>`executions.id IN (${docs} WHERE execution_search MATCH ${ftsPhrase(text)})`;
}
