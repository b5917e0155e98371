/**
 * Browser tests of the schedule trigger (issue 15): the simple modes write the cron the server
 * stores and the next runs follow; a new schedule starts in the browser's timezone (this context
 * believes it is in Berlin); a bad cron is one sentence, shown once each in the field, on the node,
 * in the toolbar's problems and in the server's refusal; with both day fields restricted the next
 * runs are the days either names (issue 14).
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, screenshot, signIn, type RunningServer } from './harness.ts';
import { editorSession } from './session.ts';

const E2E_TIMEOUT = 120_000;
const FAULT = 'minute 61 is out of range 0–59';

type Doc = { id: string; active: boolean; version: number; nodes: { id: string; config: Record<string, unknown> }[] };

describe.skipIf(!browserAvailable())('the schedule trigger in the browser', () => {
  const session = editorSession(undefined, { timezoneId: 'Europe/Berlin' });
  let server: RunningServer;
  let page: Page;
  beforeAll(() => void ({ server, page } = session));

  const text = async (l: Locator) => (await l.textContent()) ?? '';
  const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
  const api = async (method: 'GET' | 'POST' | 'PUT', path: string, data?: unknown) => {
    const r = await page.request.fetch(`${server.url}${path}`, { method, ...(data === undefined ? {} : { data }), headers: { origin: server.url } });
    return { status: r.status(), body: (await r.json()) as Doc & { error?: { details?: { path: string; message: string }[] } } };
  };
  /** How often `needle` occurs in `haystack`. */
  const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1;

  it(
    'a new schedule starts in the browser\'s timezone; "Daily at 09:30" saves 30 9 * * * and lists the next runs',
    async () => {
      await signIn(page, server.url);
      const wf = (await api('POST', '/api/workflows', { name: 'Morning digest', nodes: [], edges: [] })).body;
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await page.getByRole('navigation', { name: 'Node palette' }).getByRole('button', { name: /^Schedule\b/ }).click();
      await node('schedule').waitFor();
      expect(await page.getByLabel('Timezone', { exact: true }).inputValue()).toBe('Europe/Berlin');

      // A new schedule has no cron yet: the mode is the cron itself.
      expect(await page.getByLabel('Repeat').inputValue()).toBe('cron');
      await page.getByLabel('Repeat').selectOption({ label: 'Daily at HH:MM' });
      await page.getByLabel('Time of day').fill('09:30');
      await expect.poll(() => page.getByLabel('Cron', { exact: true }).inputValue()).toBe('30 9 * * *');
      await expect.poll(() => text(page.getByTestId('cron-words'))).toContain('09:30');
      const runs = page.getByRole('list', { name: 'Next runs' }).getByRole('listitem');
      await expect.poll(() => runs.count()).toBe(5);
      for (const run of await runs.allTextContents()) expect(run).toContain('09:30');
      expect(await text(page.locator('.cron-info h5'))).toContain('Europe/Berlin');
      await screenshot(page, 'schedule-daily');

      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Saved' }).first().waitFor();
      const saved = (await api('GET', `/api/workflows/${wf.id}`)).body;
      expect(saved.nodes).toHaveLength(1);
      expect(saved.nodes[0]!.config).toMatchObject({ cron: '30 9 * * *', timezone: 'Europe/Berlin' });

      // Opened again, it shows the mode its cron reads as; weekly on two days writes a day list.
      await page.reload();
      await node('schedule').click();
      await expect.poll(() => page.getByLabel('Repeat').inputValue()).toBe('daily');
      expect(await page.getByLabel('Time of day').inputValue()).toBe('09:30');
      await page.getByLabel('Repeat').selectOption({ label: 'Weekly on <days> at HH:MM' });
      await expect.poll(() => page.getByLabel('Cron', { exact: true }).inputValue()).toBe('30 9 * * 1-5');
      const days = page.getByRole('group', { name: 'On these days' });
      for (const day of ['Tue', 'Wed', 'Thu']) await days.getByText(day, { exact: true }).click();
      await expect.poll(() => page.getByLabel('Cron', { exact: true }).inputValue()).toBe('30 9 * * 1,5');
      for (const run of await runs.allTextContents()) expect(run).toMatch(/^(Mon|Fri)/);

      // "Every N minutes" and the advanced cron round-trip too; the cron form stays open when picked.
      await page.getByLabel('Repeat').selectOption({ label: 'Every N minutes' });
      await page.getByLabel('Every how many minutes').fill('10');
      await expect.poll(() => page.getByLabel('Cron', { exact: true }).inputValue()).toBe('*/10 * * * *');
      await page.getByLabel('Repeat').selectOption({ label: 'Cron (advanced)' });
      await page.getByLabel('Cron', { exact: true }).fill('0 9 * * *');
      expect(await page.getByLabel('Repeat').inputValue()).toBe('cron');
    },
    E2E_TIMEOUT,
  );

  it(
    'a bad cron is one sentence, once each in the field, on the node, in the problems list and in the server\'s refusal',
    async () => {
      await signIn(page, server.url);
      const wf = (
        await api('POST', '/api/workflows', {
          name: 'Typo',
          nodes: [{ id: 'tick', type: 'trigger.schedule', position: { x: 0, y: 0 }, config: { cron: '0 2 * * *', timezone: 'UTC' } }],
          edges: [],
        })
      ).body;
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('tick').click();
      await page.getByLabel('Cron', { exact: true }).fill('61 * * * *');

      const field = page.locator('[data-field="cron"]');
      await expect.poll(() => field.getByText(FAULT).count()).toBe(1);
      expect(await field.getByRole('list', { name: 'Next runs' }).count()).toBe(0); // no preview of a cron that does not parse
      const badge = node('tick').locator('.wf-node-warn');
      await expect.poll(async () => occurrences((await badge.getAttribute('aria-label').catch(() => null)) ?? '', FAULT)).toBe(1);
      await expect.poll(() => text(page.locator('.problems'))).toContain('1 problem');
      await page.locator('.problems').click();
      const problems = page.getByRole('list', { name: 'Problems' });
      expect(await problems.getByRole('listitem').allTextContents()).toEqual([`tick Cron: ${FAULT}`]);
      await page.locator('.problems').click(); // closed again

      // Activation: the server refuses with the same sentence at the same path; nothing is said twice.
      const refusal = page.waitForResponse((r) => r.url().endsWith(`/api/workflows/${wf.id}/activate`));
      await page.getByRole('switch', { name: 'Active' }).click();
      const refused = await (await refusal).json();
      expect((await refusal).status()).toBe(400);
      expect(refused.error.details).toEqual([{ path: 'nodes.0.config.cron', message: FAULT }]);
      await page.getByRole('alert').filter({ hasText: 'Activation refused' }).first().waitFor();
      const pinned = page.getByRole('note', { name: 'Problems on Schedule' });
      await expect.poll(() => pinned.getByRole('listitem').allTextContents()).toEqual([`Cron: ${FAULT}`]);
      expect(await badge.count()).toBe(0); // the pinned list replaces the badge: once on the node
      expect(await field.getByText(FAULT).count()).toBe(1);
      await page.locator('.problems').click();
      expect(await problems.getByRole('listitem').allTextContents()).toEqual([`tick Cron: ${FAULT}`]);
      await screenshot(page, 'schedule-bad-cron');

      // Saving an active workflow with the typo is refused with the same words (through the API).
      await page.getByLabel('Cron', { exact: true }).fill('0 2 * * *');
      await page.getByRole('switch', { name: 'Active' }).click();
      await expect.poll(async () => (await api('GET', `/api/workflows/${wf.id}`)).body.active).toBe(true);
      const current = (await api('GET', `/api/workflows/${wf.id}`)).body;
      const put = await api('PUT', `/api/workflows/${wf.id}`, {
        name: 'Typo',
        nodes: [{ id: 'tick', type: 'trigger.schedule', position: { x: 0, y: 0 }, config: { cron: '61 * * * *', timezone: 'UTC' } }],
        edges: [],
      });
      expect(put.status).toBe(400);
      expect(put.body.error?.details).toEqual([{ path: 'nodes.0.config.cron', message: FAULT }]);
      expect((await api('GET', `/api/workflows/${wf.id}`)).body.version).toBe(current.version);
    },
    E2E_TIMEOUT,
  );

  it(
    'both day fields restricted: the next runs are the 1st, the 15th and every Monday, and the words say "or"',
    async () => {
      // The preview counts from the browser's now: pin it to noon on 2025-01-01 (a Wednesday).
      await page.clock.setFixedTime(new Date('2025-01-01T12:00:00Z'));
      await signIn(page, server.url);
      const wf = (
        await api('POST', '/api/workflows', {
          name: 'Fortnightly',
          nodes: [{ id: 'tick', type: 'trigger.schedule', position: { x: 0, y: 0 }, config: { cron: '0 0 * * 1', timezone: 'Europe/Berlin' } }],
          edges: [],
        })
      ).body;
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('tick').click();
      await page.getByLabel('Cron', { exact: true }).fill('0 0 1,15 * 1');
      await expect.poll(() => text(page.getByTestId('cron-words'))).toBe('At 00:00, on day 1 and 15 of the month, or on Monday');
      const times = page.getByRole('list', { name: 'Next runs' }).locator('time');
      // Midnight in Berlin (CET, +01:00): Mondays the 6th, 13th, 20th, 27th, and Wednesday the 15th.
      await expect
        .poll(() => times.evaluateAll((els) => els.map((e) => e.getAttribute('datetime'))))
        .toEqual(['2025-01-05T23:00:00.000Z', '2025-01-12T23:00:00.000Z', '2025-01-14T23:00:00.000Z', '2025-01-19T23:00:00.000Z', '2025-01-26T23:00:00.000Z']);
      expect(await times.nth(2).textContent()).toMatch(/^Wed/);
      await screenshot(page, 'schedule-either-day');
    },
    E2E_TIMEOUT,
  );
});
