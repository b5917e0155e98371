import { describe, expect, it } from 'vitest';
import { validateGraph, validateNodeConfig } from '../graph/validate.ts';

const schedule = (config: Record<string, unknown>) => ({ id: 'tick', type: 'trigger.schedule', position: { x: 0, y: 0 }, config });

describe('a schedule\'s faults, in the graph validation the editor and the server share', () => {
  const issues = (config: Record<string, unknown>) => validateNodeConfig(schedule(config), ['nodes', 2]);

  it('reports each at its field, in the cron parser\'s wording', () => {
    expect(issues({ cron: '*/5 * * * *', timezone: 'Europe/Paris' })).toEqual([]);
    expect(issues({ cron: '61 * * * *' })).toEqual([{ path: 'nodes.2.config.cron', message: 'minute 61 is out of range 0–59' }]);
    expect(issues({ cron: '*/5 * * *' })).toEqual([{ path: 'nodes.2.config.cron', message: 'expected 5 fields (or 6 with seconds first), got 4' }]);
    expect(issues({ cron: '0 9 * * *', timezone: 'Moon/Base' })).toEqual([
      { path: 'nodes.2.config.timezone', message: 'unknown timezone "Moon/Base": use an IANA name such as Europe/Paris' },
    ]);
    expect(issues({ cron: 'nope', timezone: 'Nowhere/City' }).map((i) => i.path)).toEqual(['nodes.2.config.cron', 'nodes.2.config.timezone']);
    expect(issues({})).toEqual([{ path: 'nodes.2.config.cron', message: expect.stringMatching(/received undefined|required/) }]);
  });

  it('refuses a {{ template }} in the cron, though other fields\' templates wait for run time', () => {
    expect(issues({ cron: '{{ trigger.cron }}' })).toEqual([{ path: 'nodes.2.config.cron', message: 'a schedule cannot use {{ expressions }}' }]);
  });

  it('says when a schedule that parses can never run', () => {
    // A `*`-led day of month must match too: every third day from the 1st (1, 4, … 28) in February
    // is never its fifth Monday (only ever the 29th). `0 0 1 * 1#5` runs now: the 1st, or a fifth Monday.
    expect(issues({ cron: '0 0 1 * 1#5' })).toEqual([]);
    expect(issues({ cron: '0 0 */3 2 1#5' })).toEqual([{ path: 'nodes.2.config.cron', message: 'this schedule never runs' }]);
  });

  it('is part of validateGraph, so activation refuses it with the same path and words', () => {
    expect(validateGraph({ nodes: [schedule({ cron: '61 * * * *' })], edges: [] })).toEqual([
      { path: 'nodes.0.config.cron', message: 'minute 61 is out of range 0–59' },
    ]);
  });
});
