/** Server facts (version, public URL, whether SMTP is configured), fetched once and shared. */
import { useEffect, useState } from 'react';
import { api, type Meta } from './client.ts';

let cached: Promise<Meta> | null = null;

export function loadMeta(): Promise<Meta> {
  cached ??= api.meta().catch((e: unknown) => {
    cached = null;
    throw e;
  });
  return cached;
}

export function useMeta(): Meta | null {
  const [meta, setMeta] = useState<Meta | null>(null);
  useEffect(() => {
    let live = true;
    loadMeta().then(
      (m) => live && setMeta(m),
      () => undefined, // without meta the pages simply omit the notices that depend on it
    );
    return () => {
      live = false;
    };
  }, []);
  return meta;
}
