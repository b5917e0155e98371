-- Workspace variables (issue 14): `vars.NAME` in every expression. A plain variable keeps its value
-- as text; a secret one keeps AES-256-GCM ciphertext bound to its name (AAD `variable:NAME`), like
-- credentials, so a value copied into another row does not decrypt.
CREATE TABLE variables (
  name text PRIMARY KEY,
  secret integer NOT NULL,
  value text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
