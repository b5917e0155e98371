import { describe, expect, it } from 'vitest';
import { credentialFields, secretFields } from '#shared/api/credentials.ts';
import { credentialTypes } from './credential-types.ts';

describe('credential forms', () => {
  it('cover every shared credential type and field, with secrets as password inputs', () => {
    expect(credentialTypes.map((t) => t.type)).toEqual(Object.keys(credentialFields));
    for (const t of credentialTypes) {
      expect(t.fields.map((f) => f.key)).toEqual([...credentialFields[t.type]]);
      expect(t.fields.filter((f) => f.kind === 'secret').map((f) => f.key)).toEqual([...secretFields[t.type]]);
      expect(t.fields.every((f) => f.label !== f.key || f.key === 'name')).toBe(true);
    }
    const smtp = credentialTypes.find((t) => t.type === 'smtp')!;
    expect(smtp.fields.map((f) => [f.key, f.kind, f.required])).toEqual([
      ['host', 'text', true],
      ['port', 'number', false],
      ['secure', 'switch', false],
      ['username', 'text', false],
      ['password', 'secret', false],
    ]);
  });
});
