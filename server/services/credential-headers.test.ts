/** HTTP credentials → headers; everything else refused by name. */
import { describe, expect, it } from 'vitest';
import { createCredentialsPort, headersFromCredential } from './credential-headers.ts';

describe('headersFromCredential', () => {
  it('maps bearer, basic and custom header credentials', () => {
    expect(headersFromCredential('c', { type: 'httpBearer', data: { token: 't0k' } })).toEqual({ authorization: 'Bearer t0k' });
    expect(headersFromCredential('c', { type: 'httpBasic', data: { username: 'ada', password: 'pw:x' } })).toEqual({
      authorization: `Basic ${Buffer.from('ada:pw:x').toString('base64')}`,
    });
    expect(headersFromCredential('c', { type: 'httpHeader', data: { name: 'X-Api-Key', value: 'v' } })).toEqual({ 'X-Api-Key': 'v' });
  });

  it('refuses other types', () => {
    expect(() => headersFromCredential('c', { type: 'smtp', data: {} })).toThrow(/smtp credential; HTTP requests take/);
  });
});

describe('createCredentialsPort', () => {
  it('missing → CREDENTIAL_NOT_FOUND, undecryptable → CREDENTIAL_UNREADABLE (both NodeFailure: never retried)', async () => {
    const port = createCredentialsPort({
      reveal: async (id) => {
        if (id === 'broken') throw new Error('does not authenticate');
        return undefined;
      },
    });
    await expect(port.headersFor('gone')).rejects.toMatchObject({ name: 'NodeFailure', code: 'CREDENTIAL_NOT_FOUND' });
    await expect(port.headersFor('broken')).rejects.toMatchObject({ name: 'NodeFailure', code: 'CREDENTIAL_UNREADABLE' });
  });
});
