/**
 * Which credentials an import document needs that this server cannot match by itself (pure, tested
 * beside it). The server maps a reference when its id exists here or exactly one credential has the
 * same name and type (server/services/workflow-requirements.ts); the rest the user may map by hand.
 */
export type RequiredCredential = { id: string; name: string | null; type: string | null };
export type LocalCredential = { id: string; name: string; type: string };

/** The export's `requires.credentials`, or [] for an older document or a bare draft. */
export function requiredCredentials(doc: unknown): RequiredCredential[] {
  const list = (doc as { requires?: { credentials?: unknown } } | null)?.requires?.credentials;
  if (!Array.isArray(list)) return [];
  return list.filter((c): c is RequiredCredential => typeof c === 'object' && c !== null && typeof (c as { id?: unknown }).id === 'string');
}

/** The required credentials the server would not match, each with the local ones the user may pick (same type first). */
export function unmatchedCredentials(required: readonly RequiredCredential[], local: readonly LocalCredential[]): { need: RequiredCredential; choices: LocalCredential[] }[] {
  const ids = new Set(local.map((c) => c.id));
  return required
    .filter((r) => !ids.has(r.id) && local.filter((c) => c.name === r.name && (!r.type || c.type === r.type)).length !== 1)
    .map((need) => ({ need, choices: local.filter((c) => !need.type || c.type === need.type) }));
}
