/**
 * The claim queue's own bookkeeping, over an in-memory ClaimStore (claims against a real
 * PostgreSQL are covered by engine.contract.test.ts and test/cluster/).
 */
import { describe, expect, it } from 'vitest';
import type { ClaimStore, Claimed } from '../db/store.ts';
import type { Logger } from '../lib/logger.ts';
import { createClaimQueue } from './claim-queue.ts';
import type { Executor } from './executor.ts';

function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (msg) => void lines.push(`info ${msg}`),
    warn: (msg) => void lines.push(`warn ${msg}`),
    error: (msg) => void lines.push(`error ${msg}`),
    child: () => logger,
  };
  return { logger, lines };
}

describe('claim queue', () => {
  it('while claims fail (database away) it says so once, and once when they work again', async () => {
    let failing = true;
    let attempts = 0;
    const claims: ClaimStore = {
      claim: async () => {
        attempts++;
        if (failing) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return [] as Claimed[];
      },
      renew: async () => 0,
      release: async () => undefined,
      nextWake: async () => null,
    };
    const { logger, lines } = recordingLogger();
    const executor = { advance: async () => ({ status: 'done' }), abortAll: () => undefined } as unknown as Executor;
    const queue = createClaimQueue({ executor, claims, clock: { now: () => Date.now() }, logger, owner: 'w1', concurrency: 4, pollMs: 10 });
    try {
      while (attempts < 8) await new Promise((r) => setTimeout(r, 5));
      expect(lines).toEqual(['warn claim failed; retrying every poll until it works']);
      failing = false;
      const before = attempts;
      while (attempts < before + 3) await new Promise((r) => setTimeout(r, 5));
      expect(lines).toEqual(['warn claim failed; retrying every poll until it works', 'info claims work again']);
    } finally {
      await queue.stop();
    }
  });
});
