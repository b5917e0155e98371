/** The engine's CredentialsPort: an HTTP credential becomes request headers, so nodes never hold the secret in config. */
import type { CredentialType } from '#shared/api/credentials.ts';
import { NodeFailure } from '#shared/errors.ts';
import type { CredentialsPort } from '#shared/nodes/define.ts';

type Source = { reveal(id: string): Promise<{ type: CredentialType | string; data: Record<string, unknown> } | undefined> };

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** The headers an HTTP credential stands for; other types are refused (NodeFailure CREDENTIAL_TYPE_MISMATCH). */
export function headersFromCredential(id: string, cred: { type: string; data: Record<string, unknown> }): Record<string, string> {
  switch (cred.type) {
    case 'httpBearer':
      return { authorization: `Bearer ${str(cred.data.token)}` };
    case 'httpBasic':
      return { authorization: `Basic ${Buffer.from(`${str(cred.data.username)}:${str(cred.data.password)}`).toString('base64')}` };
    case 'httpHeader':
      return { [str(cred.data.name)]: str(cred.data.value) };
    default:
      throw new NodeFailure(`credential ${id} is a ${cred.type} credential; HTTP requests take httpBearer, httpBasic or httpHeader`, {
        code: 'CREDENTIAL_TYPE_MISMATCH',
        details: { credentialId: id, type: cred.type },
      });
  }
}

/** @example ports.credentials = createCredentialsPort(credentialService) */
export function createCredentialsPort(source: Source): CredentialsPort {
  return {
    async headersFor(credentialId) {
      let cred: Awaited<ReturnType<Source['reveal']>>;
      try {
        cred = await source.reveal(credentialId);
      } catch (cause) {
        throw new NodeFailure(`credential ${credentialId} cannot be decrypted`, { code: 'CREDENTIAL_UNREADABLE', details: { credentialId }, cause });
      }
      if (!cred) throw new NodeFailure(`credential ${credentialId} not found`, { code: 'CREDENTIAL_NOT_FOUND', details: { credentialId } });
      return headersFromCredential(credentialId, cred);
    },
  };
}
