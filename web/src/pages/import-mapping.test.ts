import { describe, expect, it } from 'vitest';
import { requiredCredentials, unmatchedCredentials } from './import-mapping.ts';

const local = [
  { id: 'cred_1', name: 'Billing API', type: 'httpBearer' },
  { id: 'cred_2', name: 'CRM', type: 'httpBearer' },
  { id: 'cred_3', name: 'CRM', type: 'httpBearer' },
  { id: 'cred_4', name: 'Mail', type: 'smtp' },
];

describe('import credential mapping', () => {
  it('reads requires.credentials, and nothing from an older document or a bare draft', () => {
    expect(requiredCredentials({ requires: { credentials: [{ id: 'a', name: 'A', type: 'smtp' }, { nope: 1 }] } })).toEqual([{ id: 'a', name: 'A', type: 'smtp' }]);
    expect(requiredCredentials({ name: 'x', nodes: [] })).toEqual([]);
    expect(requiredCredentials(null)).toEqual([]);
  });

  it('leaves out what the server matches (same id, one same name and type) and offers credentials of the same type for the rest', () => {
    const out = unmatchedCredentials(
      [
        { id: 'cred_4', name: 'Old mail', type: 'smtp' }, // the same id exists here
        { id: 'old_1', name: 'Billing API', type: 'httpBearer' }, // one match by name and type
        { id: 'old_2', name: 'CRM', type: 'httpBearer' }, // two matches: the user chooses
        { id: 'old_3', name: 'Billing API', type: 'smtp' }, // same name, another type: no match
      ],
      local,
    );
    expect(out.map((u) => [u.need.id, u.choices.map((c) => c.id)])).toEqual([
      ['old_2', ['cred_1', 'cred_2', 'cred_3']],
      ['old_3', ['cred_4']],
    ]);
  });
});
