import { describe, expect, it } from 'vitest';
import { getNodeDefinition } from '#shared/nodes/registry.ts';
import { fieldLabel } from './node-summary.ts';

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
