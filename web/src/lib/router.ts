/**
 * A tiny hash router (`#/workflows/wf_1`): the server only has to serve index.html at `/`.
 * A page may register a guard (unsaved changes) that can veto leaving it.
 */
import { useSyncExternalStore } from 'react';

export type Route = { path: string; segments: string[]; query: URLSearchParams };

function current(): string {
  return window.location.hash.replace(/^#/, '') || '/';
}

let guard: (() => boolean) | null = null;
let lastHash = current();
const subscribers = new Set<() => void>();

window.addEventListener('hashchange', () => {
  const next = current();
  if (next === lastHash) return;
  if (guard && !guard()) {
    // Vetoed (back button with unsaved changes): put the address back without a new entry.
    history.replaceState(null, '', `#${lastHash}`);
    return;
  }
  lastHash = next;
  for (const s of subscribers) s();
});

/** Registers a guard; it returns true to allow leaving. Returns the unregister function. */
export function setNavigationGuard(fn: (() => boolean) | null): () => void {
  guard = fn;
  return () => {
    if (guard === fn) guard = null;
  };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === lastHash) return;
  if (options.replace) {
    history.replaceState(null, '', `#${to}`);
    lastHash = to;
    for (const s of subscribers) s();
  } else {
    window.location.hash = to;
  }
}

export function parseRoute(hash: string): Route {
  const [path = '/', search = ''] = hash.split('?');
  return { path, segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(
    (cb) => {
      subscribers.add(cb);
      return () => subscribers.delete(cb);
    },
    () => lastHash,
  );
  return parseRoute(hash);
}

export const href = (path: string) => `#${path}`;
