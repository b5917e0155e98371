/**
 * AES-256-GCM for secrets at rest, each value bound to its row. The key is ENCRYPTION_KEY (a raw
 * 32-byte key, or a passphrase stretched with scrypt) or DATA_DIR/encryption.key, generated once
 * (0600). A stored key check value makes a wrong key refuse the start instead of failing at first use.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const KEY_FILE = 'encryption.key';

const FORMAT = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CANARY = 'switchyard key check v1';
const CHECK_BINDING = 'vault:key-check';
const MIN_PASSPHRASE = 16;
/** ~100 ms and 32 MiB once per start: cheap for us, costly for anyone guessing passphrases. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** Where the key came from; stored beside the key check so a mismatch can say what was used before. */
export type KeySource = 'env-key' | 'env-passphrase' | 'key-file';

export type SecretBox = {
  readonly source: KeySource;
  /** Encrypts `plaintext`; `boundTo` (e.g. the row id) must be given again to open it. */
  seal(plaintext: string, boundTo: string): string;
  /** Decrypts; throws SealError when tampered with, sealed under another key, or bound to something else. */
  open(sealed: string, boundTo: string): string;
};

/** The vault's bookkeeping storage (credential.repo.ts `meta`). */
export type KeyMetaStore = {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  /** Whether anything sealed under the current key exists (a key change is harmless otherwise). */
  hasSealedData(): Promise<boolean>;
};

/** The start is refused: the key is missing, malformed, or not the one the stored data was sealed with. */
export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

export class SealError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SealError';
  }
}

/** 64 hex characters, or base64/base64url of exactly 32 bytes; anything else is a passphrase. */
export function parseRawKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(value) || /^[A-Za-z0-9_-]{43}$/.test(value)) {
    const key = Buffer.from(value, value.endsWith('=') ? 'base64' : 'base64url');
    if (key.length === 32) return key;
  }
  return undefined;
}

export function createSecretBox(key: Buffer, source: KeySource): SecretBox {
  if (key.length !== 32) throw new KeyError('an AES-256 key is 32 bytes');
  const aad = (boundTo: string) => Buffer.from(`switchyard:${boundTo}`, 'utf8');
  return {
    source,
    seal(plaintext, boundTo) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(boundTo));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return FORMAT + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
    },
    open(sealed, boundTo) {
      if (!sealed.startsWith(FORMAT)) throw new SealError('not a sealed value');
      const raw = Buffer.from(sealed.slice(FORMAT.length), 'base64');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new SealError('sealed value is truncated');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(boundTo));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch (cause) {
        // GCM says only "unable to authenticate": wrong key, tampered bytes and a wrong binding look alike.
        throw new SealError('sealed value does not authenticate (wrong key, tampered, or moved from another row)', { cause });
      }
    },
  };
}

const deriveKey = (passphrase: string, salt: Buffer) =>
  new Promise<Buffer>((resolve, reject) => scrypt(passphrase, salt, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))));

const describe = (source: string | undefined, dataDir: string) =>
  source === 'env-key'
    ? 'a raw ENCRYPTION_KEY'
    : source === 'env-passphrase'
      ? 'an ENCRYPTION_KEY passphrase'
      : source === 'key-file'
        ? `the generated key file ${join(dataDir, KEY_FILE)}`
        : 'another key';

function readKeyFile(file: string, warn: (msg: string, fields?: Record<string, unknown>) => void): Buffer {
  const key = parseRawKey(readFileSync(file, 'utf8').trim());
  if (!key) throw new KeyError(`cannot start: ${file} does not hold a 32-byte key (base64 or hex)`);
  // Group/other access to the key defeats encrypting at rest; tighten rather than refuse.
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, 0o600);
    warn('encryption key file was readable by others; permissions set to 0600', { file });
  }
  return key;
}

function generateKeyFile(file: string): Buffer {
  const key = randomBytes(32);
  // 'wx': never overwrite a key that appeared meanwhile (two processes starting on one DATA_DIR).
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

/**
 * Resolves the key and checks it against the stored key check value. ENCRYPTION_KEY is a raw key
 * when it is 64 hex characters or base64 of 32 bytes, else a passphrase (>= 16 characters) run
 * through scrypt with a random salt kept in the database. Without ENCRYPTION_KEY the key is read
 * from, or generated once into, DATA_DIR/encryption.key. Throws KeyError with the reason to show.
 * @example const box = await openSecretBox({ encryptionKey: config.ENCRYPTION_KEY, dataDir: config.DATA_DIR, meta: repo.meta })
 */
export async function openSecretBox(opts: {
  encryptionKey: string | undefined;
  dataDir: string;
  meta: KeyMetaStore;
  warn?: (msg: string, fields?: Record<string, unknown>) => void;
}): Promise<SecretBox> {
  const warn = opts.warn ?? (() => {});
  const check = await opts.meta.get('key_check');
  const sealedWith = await opts.meta.get('key_source');
  const envKey = opts.encryptionKey?.trim();
  let box: SecretBox;
  let salt: string | undefined;

  if (envKey) {
    const raw = parseRawKey(envKey);
    if (raw) box = createSecretBox(raw, 'env-key');
    else {
      if (envKey.length < MIN_PASSPHRASE) {
        throw new KeyError(
          `ENCRYPTION_KEY is too short: give 32 random bytes as 64 hex characters or base64 (e.g. \`openssl rand -base64 32\`), or a passphrase of at least ${MIN_PASSPHRASE} characters`,
        );
      }
      salt = (await opts.meta.get('kdf_salt')) ?? randomBytes(16).toString('base64');
      box = createSecretBox(await deriveKey(envKey, Buffer.from(salt, 'base64')), 'env-passphrase');
    }
  } else {
    const file = join(opts.dataDir, KEY_FILE);
    if (existsSync(file)) box = createSecretBox(readKeyFile(file, warn), 'key-file');
    else if (check && (await opts.meta.hasSealedData())) {
      throw new KeyError(
        `cannot start: the stored credentials were encrypted with ${describe(sealedWith, opts.dataDir)}, but ENCRYPTION_KEY is not set and ${file} does not exist. Set ENCRYPTION_KEY to the key used before, or restore the key file.`,
      );
    } else box = createSecretBox(generateKeyFile(file), 'key-file');
  }

  if (check) {
    let matches = false;
    try {
      matches = box.open(check, CHECK_BINDING) === CANARY;
    } catch {
      // A check value that does not open is exactly the mismatch reported below.
      matches = false;
    }
    if (matches) return box;
    if (await opts.meta.hasSealedData()) {
      const now = box.source === 'key-file' ? `the key in ${join(opts.dataDir, KEY_FILE)}` : 'ENCRYPTION_KEY';
      throw new KeyError(
        `cannot start: ${now} does not match the key the stored credentials were encrypted with (${describe(sealedWith, opts.dataDir)}). Start with the key used before; refusing now rather than failing when a workflow first uses a credential.`,
      );
    }
    warn('encryption key changed; no credentials are stored, so the new key is adopted', { source: box.source });
  }
  if (salt) await opts.meta.set('kdf_salt', salt);
  await opts.meta.set('key_source', box.source);
  await opts.meta.set('key_check', box.seal(CANARY, CHECK_BINDING));
  return box;
}
