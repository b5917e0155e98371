import { describe, expect, it } from 'vitest';
import { fromZodIssues } from '#shared/issues.ts';
import { WorkflowSettings } from '#shared/workflow.ts';
import { byPath, draftOf, settingsOf } from './settings-form.ts';

describe('settings form', () => {
  it('round-trips settings, leaving blank sections and blank e-mail rows out', () => {
    const settings = { alerts: { email: ['ops@example.com'], onFailure: true, onRecovery: false }, concurrency: { limit: 2, key: '$.body.id' }, timeoutSeconds: 90 };
    expect(settingsOf(draftOf(settings))).toEqual(settings);
    expect(settingsOf(draftOf({}))).toEqual({});
    expect(settingsOf({ ...draftOf({}), emails: ['', ' a@example.com ', ''] })).toEqual({ alerts: { email: ['a@example.com'], onFailure: true, onRecovery: true } });
  });

  it('puts each fault at its field: e-mail rows counted as shown (blank rows included), server paths without "settings."', () => {
    const draft = { ...draftOf({}), emails: ['', 'ok@example.com', 'nope'], key: '$.id' };
    const local = WorkflowSettings.safeParse(settingsOf(draft));
    expect(local.success).toBe(false);
    const faults = byPath(fromZodIssues(local.success ? [] : local.error.issues), draft);
    // The second address sent is the third row; a key without a limit is the limit's fault.
    expect(faults.get('alerts.email.2')).toBe('must be an email address');
    expect(faults.has('concurrency.limit')).toBe(true);
    const server = byPath([{ path: 'settings.timeoutSeconds', message: 'Too big: expected number to be <=604800' }], draft);
    expect([...server]).toEqual([['timeoutSeconds', 'Too big: expected number to be <=604800']]);
  });
});
