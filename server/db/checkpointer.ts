/**
 * WAL checkpoints off the main thread. Automatic checkpoints would run inside a COMMIT on the
 * event loop (two fsyncs, tens of ms under load); instead a worker thread with its own connection
 * runs checkpoints four times a second, so the WAL is reused rather than grown — and overwriting
 * a preallocated WAL makes each group-commit fsync cheaper.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// Plain JS so the worker needs no TypeScript loader. PASSIVE copies what it can without blocking
// anyone; but under sustained writes the WAL never drains, so it could never restart and would grow
// without bound (SQLite's checkpoint starvation). Past restartBytes a RESTART checkpoint waits
// briefly for the writer, finishes the (mostly copied) tail and lets the next commit start the WAL
// from the beginning, where journal_size_limit trims it.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 2000');
const pageSize = db.pragma('page_size', { simple: true });
const tick = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r && r.log * pageSize > workerData.restartBytes) db.pragma('wal_checkpoint(RESTART)');
  } catch (err) { parentPort.postMessage({ error: String(err) }); }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m === 'checkpoint') tick();
  if (m === 'stop') { clearInterval(timer); db.close(); parentPort.close(); }
});
`;

export type Checkpointer = { stop(): Promise<void> };

export function startCheckpointer(file: string, opts: { everyMs?: number; restartBytes?: number; onError?: (msg: string) => void } = {}): Checkpointer {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { file, everyMs: opts.everyMs ?? 250, restartBytes: opts.restartBytes ?? 32 * 1024 * 1024, driver: require.resolve('better-sqlite3') },
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
