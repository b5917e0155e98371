import { describe, expect, it } from 'vitest';
import { childErrors, configErrorsByKey, flattenErrors, messagesUnder, unplacedErrors } from './field-errors.ts';

const issues = [
  { path: 'config.request.url', message: 'required' },
  { path: 'config.request.headers.X-Id', message: 'must be text' },
  { path: 'config.request', message: 'group fault' },
  { path: 'config.items', message: 'required' },
  { path: 'config.items', message: 'required' },
  { path: 'retry.attempts', message: 'not config' },
];

describe('field errors by path', () => {
  it('keys messages by the top-level config field, nested ones by their path below it', () => {
    const byKey = configErrorsByKey(issues);
    expect([...byKey.keys()]).toEqual(['request', 'items']);
    expect(byKey.get('items')).toEqual({ own: ['required'], nested: new Map() });
    const request = byKey.get('request')!;
    expect(request.own).toEqual(['group fault']);
    expect([...request.nested]).toEqual([
      ['url', ['required']],
      ['headers.X-Id', ['must be text']],
    ]);
  });

  it('hands each nested field its own messages and what lies below it', () => {
    const request = configErrorsByKey(issues).get('request');
    expect(childErrors(request, 'url')).toEqual({ own: ['required'], nested: new Map() });
    expect(childErrors(request, 'headers')).toEqual({ own: [], nested: new Map([['X-Id', ['must be text']]]) });
    expect(childErrors(request, 'method')).toBeUndefined();
  });

  it('shows nested messages under the group only when its widget cannot place them', () => {
    const request = configErrorsByKey(issues).get('request');
    expect(messagesUnder('object', request)).toEqual(['group fault']);
    expect(messagesUnder('json', request)).toEqual(['group fault', 'url: required', 'headers.X-Id: must be text']);
    expect(flattenErrors(undefined)).toEqual([]);
    expect(unplacedErrors(request, new Set(['url']))).toEqual(['headers.X-Id: must be text']);
  });
});
