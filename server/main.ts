/** The process entry: reads the environment, starts Switchyard, stops it cleanly on SIGINT/SIGTERM. */
import { loadConfig } from './config.ts';

// A refused start (bad configuration, a wrong ENCRYPTION_KEY, a taken port) says why in one line.
const fail = (err: unknown): never => {
  console.error(`switchyard: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
};
const config = (() => {
  try {
    return loadConfig(process.env);
  } catch (err) {
    return fail(err);
  }
})();
// Loaded after the configuration is known good, so a refused start says why without loading the server.
const { createSwitchyard } = await import('./switchyard.ts');
// Listening first: while the database is opened and migrated, readiness answers 503 ("migrating").
const app = await createSwitchyard(config, { listenWhileBooting: true }).catch(fail);
const port = await app.listen().catch(fail);
app.logger.info('switchyard listening', { url: config.publicUrl, port, dataDir: config.DATA_DIR });

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    app.logger.info('shutting down', { signal });
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        app.logger.error('shutdown failed', { err: String(err) });
        process.exit(1);
      },
    );
  });
}
