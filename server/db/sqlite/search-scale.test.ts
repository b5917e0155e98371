/**
 * Search at the size issue 13 names: an email inside one webhook body among 100,000 executions is
 * found, alone, through the API — at once after a restart (the index is then usually still being
 * built, and what it lacks is scanned), then from the caught-up index — and a domain shared by about 1,031 bodies pages
 * through all of them, each once. Its latency is the bench's (bench/search.ts), not asserted here.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boot, type Booted } from '../../../test/helpers/boot.ts';
import { email, indexCaughtUp, seedExecutions } from '../../../test/helpers/search-seed.ts';

const N = 100_000;
let sy: Booted | undefined;
afterAll(() => sy?.close());

const search = async (q: string, cursor?: string) =>
  (await sy!.api(`/api/executions?${new URLSearchParams({ q, limit: '200', ...(cursor ? { cursor } : {}) })}`)).body as { items: { id: string; summary: string }[]; nextCursor: string | null };

describe('search over 100,000 executions (SQLite, the default index)', () => {
  it('finds the one execution an email names, before and after the index catches up, and pages a shared domain whole', async () => {
    const first = await boot();
    const wf = (await first.api('/api/workflows', { body: { name: 'orders', nodes: [{ id: 'hook', type: 'trigger.webhook', config: {} }] } })).body;
    await first.close({ keepData: true });
    const file = join(first.dataDir, 'switchyard.db');
    await seedExecutions(file, wf.id, N);
    sy = await boot({ dataDir: first.dataDir });

    const target = 73_421;
    const early = await search(email(target));
    expect(early.items.map((i) => i.summary)).toEqual([`email: ${email(target)}`]);

    await indexCaughtUp(file);
    const indexed = await search(email(target).toUpperCase());
    expect(indexed.items.map((i) => i.id)).toEqual(early.items.map((i) => i.id));
    expect((await search('customer100000@')).items).toEqual([]);

    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await search('@shop5.example.com', cursor);
      for (const i of page.items) {
        expect(i.summary).toContain('@shop5.example.com');
        expect(seen.has(i.id)).toBe(false);
        seen.add(i.id);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    // Executions 5, 102, 199, …: every 97th below N has domain shop5.
    expect(seen.size).toBe(Math.ceil((N - 5) / 97));
  }, 240_000);
});
