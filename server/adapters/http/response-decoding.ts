/** Turns an undici response into an `HttpResponse` body: size-capped reading, decompression, charset, JSON, Retry-After. */
import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';

const MAX_RETRY_AFTER_MS = 3_600_000;

/** Response headers as one plain lower-case object; repeated headers joined with ", " like fetch's Headers. */
export function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * Reads at most `maxBytes` of the (decompressed) body, then stops: the rest is never buffered, and the
 * connection is dropped rather than drained, since draining an unbounded body is what the cap prevents.
 */
export async function readBody(body: Readable, headers: Record<string, string>, maxBytes: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const source = decompressed(body, headers['content-encoding']);
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const room = maxBytes - size;
    if (chunk.length > room) {
      if (room > 0) chunks.push(chunk.subarray(0, room));
      size = maxBytes;
      truncated = true;
      break; // leaving the loop destroys the stream, which aborts the transfer
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  const bytes = chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size);
  return { bytes, truncated };
}

function decompressed(body: Readable, encoding: string | undefined): Readable {
  const decoder = decoderFor(encoding?.trim().toLowerCase());
  if (decoder === undefined) return body;
  // Errors reach the reader through the decoder's iterator; the callback only keeps them from going unhandled.
  return pipeline(body, decoder, () => {});
}

function decoderFor(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  // Like browsers and undici's fetch, accept a stream missing its trailer instead of failing a body that arrived.
  const lenient = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(lenient);
    case 'deflate':
      return zlib.createInflate(lenient);
    case 'br':
      return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    default:
      return undefined;
  }
}

/** JSON when the content type says so and it parses; text otherwise (a broken or cut JSON body is still shown). */
export function parseBody(bytes: Buffer, contentType: string | undefined): unknown {
  const text = decodeText(bytes, contentType);
  if (text === '' || !isJsonType(contentType)) return text;
  try {
    return JSON.parse(text);
  } catch {
    // Deliberately lenient: APIs label HTML error pages as JSON, and the user should see what came back.
    return text;
  }
}

function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || mediaType === 'text/json' || mediaType.endsWith('+json');
}

function decodeText(bytes: Buffer, contentType: string | undefined): string {
  const charset = /;\s*charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      // An unknown charset label: UTF-8 is the best guess left, and what the caller most likely expects.
    }
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Milliseconds to wait from a `Retry-After` value, delta-seconds or an HTTP-date relative to `nowMs`,
 * capped at an hour. Anything else is ignored (undefined) rather than guessed at.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  // Every HTTP-date form starts with a day name; Date.parse alone would accept far looser text.
  if (!/^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}
