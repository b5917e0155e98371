/**
 * The editor shows a schedule's next runs with its own browser-side cron code (web/src/lib/cron.ts);
 * the server fires with server/engine/cron.ts. This proves the two agree, DST days included, so
 * what the editor promises is what runs.
 */
import { describe, expect, it } from 'vitest';
import { compileCron } from '../../server/engine/cron.ts';
import { nextRuns } from '../../web/src/lib/cron.ts';

const CASES: [string, string, string][] = [
  ['*/5 * * * *', 'UTC', '2026-11-23T10:02:13Z'],
  ['30 9 * * 1-5', 'Europe/Berlin', '2026-11-20T12:00:00Z'],
  ['0 0 1 * *', 'America/New_York', '2026-01-15T00:00:00Z'],
  ['0 */6 * * *', 'Asia/Kolkata', '2026-06-01T00:00:00Z'],
  ['*/20 * * * * *', 'UTC', '2026-11-23T10:00:05Z'],
  ['15 1 * * *', 'Europe/Berlin', '2026-10-24T00:00:00Z'], // across the autumn change (01:15 exists once)
  ['0 12 * * 0', 'Australia/Sydney', '2026-04-01T00:00:00Z'], // across the April change
  ['45 23 31 12 *', 'Pacific/Auckland', '2026-06-01T00:00:00Z'],
  ['30 2 * * *', 'Europe/Berlin', '2026-03-27T00:00:00Z'], // 02:30 does not exist on 29 March
];

describe('editor and server cron agree', () => {
  it.each(CASES)('%s in %s from %s', (expression, zone, from) => {
    const server: number[] = [];
    const schedule = compileCron(expression, zone);
    let t = Date.parse(from);
    for (let i = 0; i < 5; i++) {
      const n = schedule.next(t)!;
      server.push(n);
      t = n;
    }
    const editor = nextRuns(expression, zone, new Date(from), 5).map((d) => d.getTime());
    expect(editor.map((ms) => new Date(ms).toISOString())).toEqual(server.map((ms) => new Date(ms).toISOString()));
  });
});
