-- Workspace variables (issue 14): `vars.NAME` in every expression. A plain variable keeps its value
-- as text; a secret one keeps AES-256-GCM ciphertext bound to its name (AAD `variable:NAME`), like
-- credentials, so a value copied into another row does not decrypt.
CREATE TABLE variables (
  name TEXT PRIMARY KEY,
  secret INTEGER NOT NULL,
  value TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
