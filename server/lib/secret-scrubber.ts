/**
 * Scrubs known secret values out of what gets recorded: step rows, execution errors, step events,
 * log lines. logger.ts redacts secrets by field name; this catches them by value, e.g. when an API
 * echoes the Authorization header it was sent. Values are registered as credentials are used.
 */
import type { Logger } from './logger.ts';

export const REDACTED = '[redacted]';
/** Shorter values would scrub ordinary words and numbers out of outputs. */
export const MIN_SECRET_LENGTH = 6;
const MAX_SECRETS = 10_000;
const MAX_DEPTH = 64;

export type SecretScrubber = {
  /** Registers values to scrub from now on (shorter than MIN_SECRET_LENGTH: ignored). */
  add(values: Iterable<string>): void;
  readonly size: number;
  scrubText(text: string): string;
  /** A copy of `value` with every secret in its strings replaced (the same reference when none was found). */
  scrub<T>(value: T): T;
  /** The same for a JSON text; it stays valid JSON. */
  scrubJson(json: string | null): string | null;
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createSecretScrubber(): SecretScrubber {
  const values = new Set<string>();
  let any: RegExp | null = null;
  let dirty = false;

  function pattern(): RegExp | null {
    if (dirty) {
      dirty = false;
      // Each value also in its JSON-escaped form, so a quick test on a JSON text finds it too;
      // longest first, so a secret containing another is replaced whole.
      const forms = new Set<string>();
      for (const v of values) {
        forms.add(v);
        forms.add(JSON.stringify(v).slice(1, -1));
      }
      const sorted = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
      any = sorted.length ? new RegExp(sorted.join('|'), 'g') : null;
    }
    return any;
  }

  function scrubText(text: string): string {
    const re = pattern();
    if (!re || text.length < MIN_SECRET_LENGTH) return text;
    re.lastIndex = 0;
    return re.test(text) ? text.replace(re, REDACTED) : text;
  }

  function walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return scrubText(value);
    if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      value.forEach((v, i) => {
        const s = walk(v, depth + 1);
        if (s !== v) (out ??= value.slice())[i] = s;
      });
      return out ?? value;
    }
    if (value instanceof Error) {
      const message = scrubText(value.message);
      const stack = value.stack && scrubText(value.stack);
      return message === value.message && stack === value.stack ? value : { name: value.name, message, stack };
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const sk = scrubText(k);
      const sv = walk(v, depth + 1);
      if (sk !== k || sv !== v) {
        out ??= { ...(value as Record<string, unknown>) };
        if (sk !== k) delete out[k];
        out[sk] = sv;
      }
    }
    return out ?? value;
  }

  return {
    add(list) {
      for (const v of list) {
        if (typeof v !== 'string' || v.length < MIN_SECRET_LENGTH || values.has(v)) continue;
        if (values.size >= MAX_SECRETS) values.delete(values.values().next().value!);
        values.add(v);
        dirty = true;
      }
    },
    get size() {
      return values.size;
    },
    scrubText,
    scrub: <T>(value: T): T => (values.size === 0 ? value : (walk(value, 0) as T)),
    scrubJson(json) {
      const re = pattern();
      if (json === null || !re) return json;
      re.lastIndex = 0;
      if (!re.test(json)) return json;
      try {
        return JSON.stringify(walk(JSON.parse(json), 0));
      } catch {
        // Not JSON after all: scrubbing it as text is still right.
        return scrubText(json);
      }
    },
  };
}

/** A Logger that scrubs messages, fields and bindings before the inner one sees them. */
export function scrubbingLogger(inner: Logger, secrets: SecretScrubber): Logger {
  const f = (fields?: Record<string, unknown>) => (fields && secrets.size ? secrets.scrub(fields) : fields);
  return {
    debug: (msg, fields) => inner.debug(secrets.scrubText(msg), f(fields)),
    info: (msg, fields) => inner.info(secrets.scrubText(msg), f(fields)),
    warn: (msg, fields) => inner.warn(secrets.scrubText(msg), f(fields)),
    error: (msg, fields) => inner.error(secrets.scrubText(msg), f(fields)),
    child: (bindings) => scrubbingLogger(inner.child(secrets.scrub(bindings)), secrets),
    isEnabled: (level) => inner.isEnabled?.(level) ?? true,
  };
}
