import { describe, expect, it } from 'vitest';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { describeCron, fieldLabel } from './node-summary.ts';

describe('fieldLabel', () => {
  const poll = getNodeDefinition('trigger.poll');

  it('names a field by its label, and a nested one by its path inside the group', () => {
    expect(fieldLabel(poll, 'config.items')).toBe('Items (JSONata)');
    expect(fieldLabel(poll, 'config.request.url')).toBe('Request › URL');
    expect(fieldLabel(poll, 'config.request.timeoutMs')).toBe('Request › Timeout (ms)');
    expect(fieldLabel(poll, 'config.request.headers.X-Id')).toBe('Request › Headers › X-Id');
  });

  it('keeps a path it has no label for', () => {
    expect(fieldLabel(poll, 'config.nope')).toBe('config.nope');
    expect(fieldLabel(undefined, 'config.request.url')).toBe('config.request.url');
  });
});

describe('describeCron', () => {
  it('joins the two day fields with "or" when either day is enough, as the scheduler runs them', () => {
    expect(describeCron('0 0 1,15 * 1')).toBe('At 00:00, on day 1 and 15 of the month, or on Monday');
    expect(describeCron('0 9 1 * mon-fri')).toBe('At 09:00, on day 1 of the month, or Monday through Friday');
    expect(describeCron('0 0 L * 5#2')).toBe('At 00:00, on the last day of the month, or on the second Friday of the month');
    expect(describeCron('0 0 1 jan,jul 1')).toBe('At 00:00, on day 1 of the month, or on Monday, only in January and July');
  });

  it('says "only" when both must match: one field unrestricted, a stepped * included', () => {
    expect(describeCron('0 0 */2 * 1')).toBe('At 00:00, every 2 days in a month, only on Monday');
    expect(describeCron('0 0 * * 1')).toBe('At 00:00, only on Monday');
    expect(describeCron('0 0 1 * *')).toBe('At 00:00, on day 1 of the month');
  });

  it('has no words for what cronstrue cannot read', () => {
    expect(describeCron('nope')).toBeNull();
  });
});
