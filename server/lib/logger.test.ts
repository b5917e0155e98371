/** LOG_FORMAT=pretty: pino's JSON lines, redaction included, turned into one readable line each. */
import { describe, expect, it } from 'vitest';
import { createLogger, prettyDestination, prettyLine } from './logger.ts';

describe('pretty log lines', () => {
  it('writes time, level, message, then executionId and workflowId before the other fields', () => {
    const lines: string[] = [];
    const log = createLogger('debug', prettyDestination({ write: (s) => lines.push(s) }));
    log.child({ workflowId: 'wf_1', executionId: 'ex_1' }).info('execution finished', { status: 'success', durationMs: 12, note: 'two words' });
    log.warn('careful', { headers: { authorization: 'Bearer sk_live_123' } });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  execution finished executionId=ex_1 workflowId=wf_1 status=success durationMs=12 note="two words"\n$/);
    // Redaction happens before the line is formatted.
    expect(lines[1]).toContain('WARN  careful headers={"authorization":"[redacted]"}');
    expect(lines[1]).not.toContain('sk_live_123');
  });

  it('colours the level only on a terminal, and passes non-JSON through', () => {
    const tty: string[] = [];
    createLogger('info', prettyDestination({ write: (s) => tty.push(s), isTTY: true })).error('boom');
    expect(tty[0]).toContain('\x1b[31mERROR\x1b[0m boom');
    expect(prettyLine('not json')).toBe('not json\n');
  });
});
