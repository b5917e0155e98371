/** Scrubbing by value: strings, nested values, JSON texts (still valid), log fields. */
import { describe, expect, it } from 'vitest';
import type { Logger } from './logger.ts';
import { createSecretScrubber, REDACTED, scrubbingLogger } from './secret-scrubber.ts';

describe('createSecretScrubber', () => {
  it('replaces registered values wherever they appear, leaving other values (and references) alone', () => {
    const s = createSecretScrubber();
    const clean = { a: 1, b: ['x'] };
    expect(s.scrub(clean)).toBe(clean);
    s.add(['tok-123456', 'short']);
    expect(s.size).toBe(1); // too short to scrub safely
    expect(s.scrubText('Bearer tok-123456!')).toBe(`Bearer ${REDACTED}!`);
    expect(s.scrub(clean)).toBe(clean);
    const dirty = { headers: { authorization: 'Bearer tok-123456' }, list: ['ok', 'tok-123456'], n: 5, ['key tok-123456']: true };
    expect(s.scrub(dirty)).toEqual({ headers: { authorization: `Bearer ${REDACTED}` }, list: ['ok', REDACTED], n: 5, [`key ${REDACTED}`]: true });
    expect(dirty.headers.authorization).toBe('Bearer tok-123456'); // a copy, never a mutation
  });

  it('keeps a JSON text valid, including secrets that JSON escapes', () => {
    const s = createSecretScrubber();
    s.add(['p"a\\ss-word']);
    const json = JSON.stringify({ echo: 'got p"a\\ss-word back' });
    expect(json).not.toContain('p"a\\ss-word');
    const out = s.scrubJson(json)!;
    expect(JSON.parse(out)).toEqual({ echo: `got ${REDACTED} back` });
    expect(s.scrubJson('{"clean":true}')).toBe('{"clean":true}');
    expect(s.scrubJson(null)).toBeNull();
  });

  it('replaces the longest match when one secret contains another', () => {
    const s = createSecretScrubber();
    s.add(['abcdef', 'abcdefghij']);
    expect(s.scrubText('xabcdefghijx')).toBe(`x${REDACTED}x`);
  });

  it('scrubs errors inside fields', () => {
    const s = createSecretScrubber();
    s.add(['secret-value']);
    const out = s.scrub({ err: new Error('failed with secret-value') }) as { err: { message: string } };
    expect(out.err.message).toBe(`failed with ${REDACTED}`);
  });
});

describe('scrubbingLogger', () => {
  it('scrubs messages, fields and child bindings', () => {
    const lines: unknown[] = [];
    const sink: Logger = {
      debug: (m, f) => lines.push([m, f]),
      info: (m, f) => lines.push([m, f]),
      warn: (m, f) => lines.push([m, f]),
      error: (m, f) => lines.push([m, f]),
      child: (b) => ({ ...sink, info: (m, f) => lines.push([b, m, f]) }),
    };
    const s = createSecretScrubber();
    const log = scrubbingLogger(sink, s);
    s.add(['hunter2-hunter2']);
    log.warn('saw hunter2-hunter2', { body: { echo: 'hunter2-hunter2' } });
    log.child({ k: 'hunter2-hunter2' }).info('x', {});
    expect(JSON.stringify(lines)).not.toContain('hunter2-hunter2');
  });
});
