/**
 * The one HTTP server of a process: limited from its first moment (connection-limits.ts), able to
 * listen before the rest is wired, and handed its real handler once it is (until then, `booting`).
 */
import type { RequestListener, Server } from 'node:http';
import type { Config } from '../config.ts';
import { createLimitedServer, limitsFromConfig } from './connection-limits.ts';

export type ProcessServer = {
  server: Server;
  /** Swaps what answers requests (the booting handler, then the app). */
  handle(listener: RequestListener): void;
  /** Listens on PORT/HOST once; resolves with the bound port (and names it in PUBLIC_URL when unset). */
  listen(): Promise<number>;
  close(): Promise<void>;
};

export function createProcessServer(config: Config, booting: RequestListener): ProcessServer {
  let current = booting;
  const server = createLimitedServer(limitsFromConfig(config), (req, res) => current(req, res));
  let boundPort: number | undefined;
  return {
    server,
    handle: (listener) => void (current = listener),
    listen: () =>
      boundPort !== undefined
        ? Promise.resolve(boundPort)
        : new Promise((resolve, reject) => {
            server.once('error', reject);
            server.listen(config.PORT, config.HOST, () => {
              server.off('error', reject);
              const addr = server.address();
              boundPort = typeof addr === 'object' && addr ? addr.port : config.PORT;
              // With PORT=0 and no PUBLIC_URL, webhook URLs must name the port actually bound.
              if (!config.PUBLIC_URL) config.publicUrl = `http://localhost:${boundPort}`;
              resolve(boundPort);
            });
          }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
