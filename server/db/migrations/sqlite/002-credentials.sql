-- Credentials vault and the mail outbox (issue 4).

-- `data` is AES-256-GCM ciphertext of {type, data}, bound to the row id (AAD): a value copied
-- into another row does not decrypt. `fields` lists which fields are set (names only, not secret),
-- so listing credentials never decrypts anything.
CREATE TABLE credentials (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  fields TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX credentials_name ON credentials(name, id);

-- Encryption key bookkeeping: a key check value (an encrypted canary) so a wrong key is refused
-- at start, and the scrypt salt when ENCRYPTION_KEY is a passphrase.
CREATE TABLE vault_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Mail captured when no SMTP server is configured. message_id is unique so a step re-run after a
-- crash captures its mail once (the Message-ID is derived from execution and node).
CREATE TABLE outbox (
  id TEXT PRIMARY KEY,
  from_addr TEXT,
  to_addrs TEXT NOT NULL,
  cc_addrs TEXT NOT NULL,
  bcc_addrs TEXT NOT NULL,
  reply_to TEXT,
  subject TEXT NOT NULL,
  text_body TEXT,
  html_body TEXT,
  message_id TEXT UNIQUE,
  created_at INTEGER NOT NULL
);
