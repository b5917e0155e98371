import { describe, expect, it, vi } from 'vitest';
import { requireNodeDefinition } from '#shared/nodes/registry.ts';
import { defaultConfig, enumOptions, fieldSchema, humanize, unionShape } from './schema.ts';

describe('schema introspection for the config panel', () => {
  it('builds a fresh config from schema defaults, leaving server-assigned fields out', () => {
    expect(defaultConfig(requireNodeDefinition('trigger.webhook'))).toEqual({ methods: ['POST'], auth: { type: 'none' }, response: { mode: 'ack' } });
    expect(defaultConfig(requireNodeDefinition('action.http'))).toMatchObject({ method: 'GET', bodyType: 'json', failOnStatus: true });
  });

  it("starts a new schedule in the browser's timezone, not the schema's UTC", () => {
    const real = Intl.DateTimeFormat.prototype.resolvedOptions;
    const spy = vi.spyOn(Intl.DateTimeFormat.prototype, 'resolvedOptions').mockImplementation(function (this: Intl.DateTimeFormat) {
      return { ...real.call(this), timeZone: 'Asia/Kolkata' };
    });
    try {
      expect(defaultConfig(requireNodeDefinition('trigger.schedule'))).toEqual({ timezone: 'Asia/Kolkata', overlap: 'skip', catchUp: 'none' });
    } finally {
      spy.mockRestore();
    }
    expect(requireNodeDefinition('trigger.schedule').config.parse({ cron: '0 9 * * *' })).toMatchObject({ timezone: 'UTC' });
  });

  it('reads enum options, also of array elements', () => {
    const def = requireNodeDefinition('trigger.webhook');
    expect(enumOptions(fieldSchema(def, 'methods'))).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
  });

  it('describes a discriminated union for the object widget', () => {
    const u = unionShape(fieldSchema(requireNodeDefinition('trigger.webhook'), 'auth')!);
    expect(u?.discriminator).toBe('type');
    expect(u?.options.map((o) => o.value)).toEqual(['none', 'header', 'basic', 'hmac']);
    expect(Object.keys(u!.options[1]!.shape)).toEqual(['type', 'name', 'credentialId']);
  });

  it('humanizes nested keys', () => {
    expect(humanize('timeoutMs')).toBe('Timeout (ms)');
    expect(humanize('credentialId')).toBe('Credential');
    expect(humanize('url')).toBe('URL');
  });
});
