/** The process entry: reads the environment, starts Switchyard, stops it cleanly on SIGINT/SIGTERM. */
import { loadConfig } from './config.ts';
import { createSwitchyard } from './switchyard.ts';

const config = loadConfig(process.env);
const app = await createSwitchyard(config);
const port = await app.listen();
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
