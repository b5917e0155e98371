/**
 * A child logger made on first enabled use: most executions and steps log nothing at the
 * configured level, and a pino child (bindings serialised, redaction prepared) is not free.
 */
import type { Logger } from '../lib/logger.ts';

export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const get = () => (child ??= parent.child(bindings));
  const on = (level: 'debug' | 'info' | 'warn' | 'error') => parent.isEnabled?.(level) ?? true;
  return {
    debug: (m, f) => on('debug') && get().debug(m, f),
    info: (m, f) => on('info') && get().info(m, f),
    warn: (m, f) => on('warn') && get().warn(m, f),
    error: (m, f) => on('error') && get().error(m, f),
    child: (b) => lazyChild(parent, { ...bindings, ...b }),
    isEnabled: on,
  };
}
