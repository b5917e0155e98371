/** The secret box and key handling: row binding, tamper detection, key sources, and the start-up key check. */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox, KEY_FILE, KeyError, openSecretBox, parseRawKey, SealError, type KeyMetaStore } from './crypto.ts';

function memoryMeta(sealed = false): KeyMetaStore & { values: Map<string, string>; sealed: boolean } {
  const values = new Map<string, string>();
  const m = {
    values,
    sealed,
    get: async (k: string) => values.get(k),
    set: async (k: string, v: string) => void values.set(k, v),
    hasSealedData: async () => m.sealed,
  };
  return m;
}

describe('createSecretBox', () => {
  const box = createSecretBox(randomBytes(32), 'env-key');

  it('round-trips and never repeats a ciphertext', () => {
    const a = box.seal('hunter2-secret', 'credential:a');
    const b = box.seal('hunter2-secret', 'credential:a');
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(box.open(a, 'credential:a')).toBe('hunter2-secret');
  });

  it('binds each value to its row: opening under another binding fails', () => {
    const sealed = box.seal('row a secret', 'credential:a');
    expect(() => box.open(sealed, 'credential:b')).toThrow(SealError);
  });

  it('detects tampering and a different key', () => {
    const sealed = box.seal('value', 'x');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(`v1:${raw.toString('base64')}`, 'x')).toThrow(SealError);
    expect(() => createSecretBox(randomBytes(32), 'env-key').open(sealed, 'x')).toThrow(SealError);
    expect(() => box.open('plain text', 'x')).toThrow(SealError);
  });
});

describe('parseRawKey', () => {
  it('accepts 32 bytes as hex, base64 or base64url, and nothing else', () => {
    const key = randomBytes(32);
    expect(parseRawKey(key.toString('hex'))).toEqual(key);
    expect(parseRawKey(key.toString('base64'))).toEqual(key);
    expect(parseRawKey(key.toString('base64url'))).toEqual(key);
    expect(parseRawKey(randomBytes(16).toString('hex'))).toBeUndefined();
    expect(parseRawKey('correct horse battery staple')).toBeUndefined();
  });
});

describe('openSecretBox', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-crypto-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates the key once into DATA_DIR with mode 0600 and reuses it', async () => {
    const meta = memoryMeta();
    const first = await openSecretBox({ encryptionKey: undefined, dataDir: dir, meta });
    const file = join(dir, KEY_FILE);
    expect(first.source).toBe('key-file');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = first.seal('s3cret-value', 'r');
    meta.sealed = true;
    const again = await openSecretBox({ encryptionKey: undefined, dataDir: dir, meta });
    expect(again.open(sealed, 'r')).toBe('s3cret-value');
  });

  it('tightens a key file readable by others', async () => {
    writeFileSync(join(dir, KEY_FILE), randomBytes(32).toString('base64'));
    chmodSync(join(dir, KEY_FILE), 0o644);
    const warnings: string[] = [];
    await openSecretBox({ encryptionKey: undefined, dataDir: dir, meta: memoryMeta(), warn: (m) => warnings.push(m) });
    expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(warnings.join()).toMatch(/permissions/);
  });

  it('refuses a different key once something is sealed, naming what was used before', async () => {
    const meta = memoryMeta();
    await openSecretBox({ encryptionKey: randomBytes(32).toString('hex'), dataDir: dir, meta });
    meta.sealed = true;
    const start = openSecretBox({ encryptionKey: randomBytes(32).toString('hex'), dataDir: dir, meta });
    await expect(start).rejects.toThrow(KeyError);
    await expect(start).rejects.toThrow(/ENCRYPTION_KEY does not match the key the stored credentials were encrypted with \(a raw ENCRYPTION_KEY\)/);
    expect(existsSync(join(dir, KEY_FILE))).toBe(false);
  });

  it('adopts a new key while nothing is sealed yet', async () => {
    const meta = memoryMeta();
    await openSecretBox({ encryptionKey: randomBytes(32).toString('hex'), dataDir: dir, meta });
    const warnings: string[] = [];
    const box = await openSecretBox({ encryptionKey: undefined, dataDir: dir, meta, warn: (m) => warnings.push(m) });
    expect(box.source).toBe('key-file');
    expect(warnings.join()).toMatch(/adopted/);
  });

  it('derives a key from a passphrase with scrypt and a stored salt', async () => {
    const meta = memoryMeta();
    const pass = 'a long enough passphrase';
    const box = await openSecretBox({ encryptionKey: pass, dataDir: dir, meta });
    expect(box.source).toBe('env-passphrase');
    expect(meta.values.get('kdf_salt')).toMatch(/^[A-Za-z0-9+/=]{24}$/);
    const sealed = box.seal('v', 'r');
    meta.sealed = true;
    expect((await openSecretBox({ encryptionKey: pass, dataDir: dir, meta })).open(sealed, 'r')).toBe('v');
    await expect(openSecretBox({ encryptionKey: 'another long passphrase', dataDir: dir, meta })).rejects.toThrow(/an ENCRYPTION_KEY passphrase/);
  });

  it('refuses a short passphrase with advice', async () => {
    await expect(openSecretBox({ encryptionKey: 'short', dataDir: dir, meta: memoryMeta() })).rejects.toThrow(/too short.*64 hex characters or base64/);
  });

  it('refuses to generate a fresh key when the old key file is gone but sealed data remains', async () => {
    const meta = memoryMeta();
    await openSecretBox({ encryptionKey: undefined, dataDir: dir, meta });
    meta.sealed = true;
    unlinkSync(join(dir, KEY_FILE));
    await expect(openSecretBox({ encryptionKey: undefined, dataDir: dir, meta })).rejects.toThrow(/ENCRYPTION_KEY is not set and .*encryption\.key does not exist/);
    expect(existsSync(join(dir, KEY_FILE))).toBe(false);
  });
});
