/**
 * WAL checkpoints off the main thread. Automatic checkpoints would run inside a COMMIT on the
 * event loop (two fsyncs, tens of ms under load); instead a worker thread with its own connection
 * checkpoints as the WAL fills (looked at four times a second), so the WAL is reused rather than
 * grown — and overwriting an already allocated WAL makes each group-commit fsync cheaper.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// Plain JS so the worker needs no TypeScript loader.
//
// When: each tick reads how many WAL frames are not yet copied back (mxFrame − nBackfill, from the
// WAL-index header in the -shm file: offsets 16 and 96 of SQLite's documented wal-index format,
// native byte order) and checkpoints only past `dueBytes`, or after `maxIdleMs` with anything
// pending. A checkpoint fsyncs the database file, which delays commits' WAL fsyncs in flight, so
// fewer checkpoints at low rates mean a lower ack tail; at high rates it still runs every tick.
//
// How: PASSIVE copies what it can without blocking anyone; but under sustained writes the WAL
// never drains, so it could never restart and would grow without bound (SQLite's checkpoint
// starvation). Past `restartBytes` a RESTART checkpoint waits briefly (100 ms) for the writer, finishes the
// (mostly copied) tail and lets the next commit start the WAL from the beginning, where
// journal_size_limit trims it.
const WORKER = `
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 2000');
const pageSize = db.pragma('page_size', { simple: true });
const header = Buffer.alloc(100);
let shm;
let last = Date.now();
const pendingFrames = () => {
  try {
    shm ??= fs.openSync(workerData.file + '-shm', 'r');
    if (fs.readSync(shm, header, 0, 100, 0) < 100) return Infinity;
    return Math.max(0, header.readUInt32LE(16) - header.readUInt32LE(96));
  } catch {
    return Infinity; // cannot tell: checkpoint anyway
  }
};
const checkpoint = () => {
  last = Date.now();
  const [r] = db.pragma('wal_checkpoint(PASSIVE)');
  if (r && r.log * pageSize > workerData.restartBytes) {
    // RESTART holds new writers back while it waits, so it waits briefly: for the writer of the
    // moment that is plenty, while a long reader (an online backup's snapshot) would otherwise
    // stall every commit for the whole busy timeout. A RESTART that cannot finish now is retried
    // at the next tick.
    db.pragma('busy_timeout = 100');
    try { db.pragma('wal_checkpoint(RESTART)'); } finally { db.pragma('busy_timeout = 2000'); }
  }
};
const tick = () => {
  try {
    const pending = pendingFrames() * pageSize;
    if (pending >= workerData.dueBytes || (pending > 0 && Date.now() - last >= workerData.maxIdleMs)) checkpoint();
  } catch (err) { parentPort.postMessage({ error: String(err) }); }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m === 'checkpoint') { try { checkpoint(); } catch (err) { parentPort.postMessage({ error: String(err) }); } }
  if (m === 'stop') { clearInterval(timer); if (shm !== undefined) fs.closeSync(shm); db.close(); parentPort.close(); }
});
`;

export type Checkpointer = { stop(): Promise<void> };

export function startCheckpointer(file: string, opts: { everyMs?: number; restartBytes?: number; onError?: (msg: string) => void } = {}): Checkpointer {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      file,
      everyMs: opts.everyMs ?? 250,
      dueBytes: 8 * 1024 * 1024,
      maxIdleMs: 5000,
      restartBytes: opts.restartBytes ?? 32 * 1024 * 1024,
      driver: require.resolve('better-sqlite3'),
    },
  });
  worker.on('message', (m: { error?: string }) => m.error && opts.onError?.(m.error));
  worker.on('error', (err) => opts.onError?.(String(err)));
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        // Held while stopping, or a process with nothing else left would exit before the worker does.
        worker.ref();
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
        setTimeout(() => void worker.terminate(), 2000).unref();
      }),
  };
}
