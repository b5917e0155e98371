/**
 * The search indexer: a worker thread that writes the FTS5 index (search-index.ts) from the to-do
 * list the execution store keeps (execution_search_queue, migration 018), so the tokenising — by
 * far the dearest part of indexing, ~100–200 µs for a small execution — runs off the event loop,
 * and its writes go to the index's own file, never taking the write lock group commit needs.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// Plain JS so the worker needs no TypeScript loader (as checkpointer.ts and backup.ts).
//
// Two connections: the database read-only (the queue, executions' status, steps' outputs) and the
// index file read-write. A batch reads up to `batch` queue rows above the mark, writes each named
// execution's document again (dropped if the execution is gone or has none) and moves the mark in
// the same transaction: a crash anywhere redoes the batch, and redoing it is harmless. The index
// file commits with synchronous=FULL because the server deletes queue rows below the reported
// mark: a mark lost to a power cut after that would skip executions for good.
//
// While the index is not ready (new, or reset: search-index.ts) it is first built from every
// finished execution, in id order from `rebuilt_to`; what changes meanwhile is queued above the
// mark taken at the reset and indexed after.
//
// Pace: while the queue grows (the server is taking traffic) the worker keeps to `busyDuty` of
// its time (work t, then sleep t·(1−d)/d): on two cores its CPU is taken from the webhook path,
// and a search stays complete meanwhile, since it scans what is not indexed yet. Once nothing new
// arrives it catches up at full speed.
//
// Segments: each batch's commit writes a segment, and FTS5's automerge keeps up to 4 per level, so
// a phrase looks each trigram up in dozens of them. When idle (nothing queued, nothing arriving)
// the worker merges further in small steps (usermerge = 2, set with the schema): measured on 100,000
// executions, a query's FTS5 part drops from ~36 to ~13 ms on this loaded machine, for ~5 s of one
// merge pass that traffic never waits for.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const src = new Database(workerData.mainFile, { readonly: true, fileMustExist: true });
src.pragma('busy_timeout = 5000');
const idx = new Database(workerData.searchFile, { fileMustExist: true });
idx.pragma('busy_timeout = 5000');
idx.pragma('synchronous = FULL');
const q = {
  queued: src.prepare('SELECT seq, execution_id AS id FROM execution_search_queue WHERE seq > ? ORDER BY seq LIMIT ?'),
  top: src.prepare('SELECT coalesce(max(seq), 0) FROM execution_search_queue').pluck(),
  status: src.prepare('SELECT status FROM executions WHERE id = ?').pluck(),
  body: src.prepare('SELECT group_concat(output, char(10)) FROM steps WHERE execution_id = ? AND output IS NOT NULL').pluck(),
  finishedAfter: src.prepare("SELECT id FROM executions WHERE id > ? AND status NOT IN ('queued', 'running') ORDER BY id LIMIT ?").pluck(),
  state: idx.prepare('SELECT mark, ready, rebuilt_to FROM search_state WHERE id = 1'),
  setState: idx.prepare('UPDATE search_state SET mark = ?, ready = ?, rebuilt_to = ? WHERE id = 1'),
  docOf: idx.prepare('SELECT doc FROM search_docs WHERE execution_id = ?').pluck(),
  dropDoc: idx.prepare('DELETE FROM search_docs WHERE doc = ?'),
  dropText: idx.prepare('DELETE FROM execution_search WHERE rowid = ?'),
  addDoc: idx.prepare('INSERT INTO search_docs (execution_id) VALUES (?)'),
  addText: idx.prepare('INSERT INTO execution_search (rowid, body) VALUES (?, ?)'),
};
const FINAL = (s) => s !== undefined && s !== 'queued' && s !== 'running';

/** The outputs of each id, read in one snapshot: null for an execution gone or still running. */
function texts(ids, known) {
  src.exec('BEGIN');
  try {
    return ids.map((id) => (known || FINAL(q.status.get(id)) ? q.body.get(id) ?? null : null));
  } finally {
    src.exec('COMMIT');
  }
}

// Old documents out first, then every doc id, then every FTS5 row: a statement that opens a
// savepoint (any write but the plainest) makes FTS5 write the rows pending before it out as a
// segment of their own, which would cost a segment per document.
function write(ids, bodies) {
  for (const id of ids) {
    const doc = q.docOf.get(id);
    if (doc !== undefined) { q.dropText.run(doc); q.dropDoc.run(doc); }
  }
  const rows = [];
  ids.forEach((id, i) => { if (bodies[i] != null) rows.push([q.addDoc.run(id).lastInsertRowid, bodies[i]]); });
  for (const [doc, body] of rows) q.addText.run(doc, body);
}

/** One batch; false when there was nothing to do. */
function step() {
  const state = q.state.get();
  if (!state) return false;
  if (!state.ready) {
    const ids = q.finishedAfter.all(state.rebuilt_to, workerData.batch);
    const bodies = texts(ids, true);
    const done = ids.length < workerData.batch;
    idx.transaction(() => {
      write(ids, bodies);
      q.setState.run(state.mark, done ? 1 : 0, done ? '' : ids[ids.length - 1]);
    })();
    if (done) parentPort.postMessage({ mark: state.mark, ready: true });
    return true;
  }
  const rows = q.queued.all(state.mark, workerData.batch);
  if (!rows.length) return false;
  const ids = [...new Set(rows.map((r) => r.id))];
  const bodies = texts(ids, false);
  const mark = rows[rows.length - 1].seq;
  idx.transaction(() => {
    write(ids, bodies);
    q.setState.run(mark, 1, '');
  })();
  parentPort.postMessage({ mark });
  return true;
}

function compact() {
  // The deletions that made this compaction worth it are queued: take their documents out first
  // (bounded, as a pruning pass is), so the merge below drops their postings now, not next time.
  for (let i = 0; i < 100 && step(); i++);
  // A delete leaves its postings (and tombstones) until segments merge: merge with a bounded
  // budget (pages written), then give the freed pages back.
  idx.prepare("INSERT INTO execution_search (execution_search, rank) VALUES ('merge', ?)").run(-workerData.mergePages);
  idx.pragma('incremental_vacuum');
  idx.pragma('wal_checkpoint(TRUNCATE)');
}

const tc = idx.prepare('SELECT total_changes()').pluck();
const mergeStep = idx.prepare("INSERT INTO execution_search (execution_search, rank) VALUES ('merge', 500)");
/** One bounded merge step; false when there was nothing left to merge. */
function mergeIdle() {
  const before = tc.get();
  mergeStep.run();
  return tc.get() - before >= 2; // FTS5's sign that the step did some work
}

let stopping = false;
let unmerged = true;
let wake = () => {};
const sleep = (ms) => new Promise((r) => {
  const t = setTimeout(r, ms);
  wake = () => { clearTimeout(t); r(); };
});
let seen = 0;
let busyUntil = 0;
async function loop() {
  while (!stopping) {
    const began = performance.now();
    let worked = false;
    try {
      worked = step();
      const top = q.top.get();
      if (top > seen) { if (seen > 0) busyUntil = Date.now() + 1000; seen = top; }
    } catch (err) {
      parentPort.postMessage({ error: String(err) });
      await sleep(1000);
      continue;
    }
    if (worked) unmerged = true;
    else if (unmerged && Date.now() >= busyUntil) {
      try { unmerged = mergeIdle(); } catch (err) { parentPort.postMessage({ error: String(err) }); unmerged = false; }
      await sleep(0);
      continue;
    }
    if (!worked) { await sleep(workerData.pollMs); continue; }
    const spent = performance.now() - began;
    const d = Date.now() < busyUntil ? workerData.busyDuty : 1;
    await sleep(d >= 1 ? 0 : (spent * (1 - d)) / d);
  }
  src.close();
  idx.close();
  parentPort.close();
}
parentPort.on('message', (m) => {
  if (m === 'compact') {
    try { compact(); } catch (err) { parentPort.postMessage({ error: String(err) }); }
    parentPort.postMessage({ compacted: true });
  }
  if (m === 'stop') { stopping = true; wake(); }
});
loop();
`;

export type SearchIndexer = {
  /** Merges the index's segments and gives freed pages back (after pruning); resolves when done. */
  compact(): Promise<void>;
  stop(): Promise<void>;
};

export type IndexerOptions = {
  /** Queue rows (or, while building, executions) per transaction. */
  batch?: number;
  /** Share of its time the worker works while executions keep arriving (0–1). */
  busyDuty?: number;
  /** How often an idle worker looks at the queue, ms. */
  pollMs?: number;
  /** Told of each batch committed: the new mark, and whether the index just became ready. */
  onProgress?: (p: { mark: number; ready?: boolean }) => void;
  onError?: (msg: string) => void;
};

export function startSearchIndexer(mainFile: string, searchFile: string, opts: IndexerOptions = {}): SearchIndexer {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      mainFile,
      searchFile,
      batch: opts.batch ?? 1000,
      busyDuty: opts.busyDuty ?? 0.15,
      pollMs: opts.pollMs ?? 100,
      mergePages: 2000,
      driver: require.resolve('better-sqlite3'),
    },
  });
  const compactions: (() => void)[] = [];
  worker.on('message', (m: { error?: string; mark?: number; ready?: boolean; compacted?: boolean }) => {
    if (m.error) opts.onError?.(m.error);
    if (m.mark !== undefined) opts.onProgress?.({ mark: m.mark, ...(m.ready ? { ready: true } : {}) });
    if (m.compacted) compactions.shift()?.();
  });
  worker.on('error', (err) => opts.onError?.(String(err)));
  worker.unref();
  let stopped: Promise<void> | undefined;
  return {
    compact: () =>
      new Promise<void>((resolve) => {
        compactions.push(resolve);
        worker.postMessage('compact');
      }),
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        // Held while stopping, or a process with nothing else left would exit before the worker does.
        worker.ref();
        worker.once('exit', () => {
          compactions.splice(0).forEach((r) => r());
          resolve();
        });
        worker.postMessage('stop');
        setTimeout(() => void worker.terminate(), 5000).unref();
      })),
  };
}
