/**
 * The poll trigger's panel (issue 15), against a real loopback API: a missing nested field is marked
 * on that field, not on its group (for a webhook's auth too); "Test poll" shows the raw response when the items path finds
 * nothing and warns when the key finds nothing (content hash); the last and next poll of an
 * active trigger update while the panel is open, without a reload.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, screenshot, signIn, type RunningServer } from './harness.ts';
import { editorSession } from './session.ts';

/** A small JSON API whose list is under `data`, as many real ones are; counts its requests. */
async function startFeed(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: [{ id: 'evt_2', title: 'Second order' }, { id: 'evt_1', title: 'First order' }], page: 1 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const SLOW = { timeout: 30_000, interval: 250 };

describe.skipIf(!browserAvailable())('editor: the poll trigger', () => {
  const session = editorSession();
  let server: RunningServer;
  let page: Page;
  let feed: Awaited<ReturnType<typeof startFeed>>;
  let workflowId: string;

  beforeAll(async () => {
    ({ server, page } = session);
    feed = await startFeed();
    await signIn(page, server.url);
    const r = await page.request.post(`${server.url}/api/workflows`, {
      data: {
        name: 'Poll the orders feed',
        nodes: [
          {
            id: 'poll',
            type: 'trigger.poll',
            position: { x: 0, y: 0 },
            // The schema's minimum interval: 10 s.
            config: { request: { url: `${feed.url}/orders` }, intervalSeconds: 10, items: 'body.results', key: 'id' },
          },
        ],
        edges: [],
      },
      headers: { origin: server.url },
    });
    workflowId = ((await r.json()) as { id: string }).id;
    await page.goto(`${server.url}/#/workflows/${workflowId}`);
    await page.locator('.react-flow__node[data-id="poll"]').click();
  }, 60_000);
  afterAll(async () => feed?.close());

  const field = (path: string) => page.locator(`[data-field="${path}"]`);
  const testPoll = async () => {
    await page.getByRole('button', { name: 'Test poll', exact: true }).click();
    await page.getByLabel('Test poll result').waitFor();
  };

  it('marks a missing URL on the URL field inside Request, not on the group', async () => {
    const url = field('request.url').locator('input');
    await url.fill('');
    await expect.poll(() => field('request.url').getAttribute('class')).toContain('has-error');
    expect(await field('request.url').locator('.field-error').innerText()).toBe('required');
    expect(await url.getAttribute('aria-invalid')).toBe('true');
    // The group itself carries no mark and no message of its own.
    expect(await field('request').getAttribute('class')).not.toContain('has-error');
    expect(await field('request').locator(':scope > .field-error').count()).toBe(0);
    expect(await field('request.method').getAttribute('class')).not.toContain('has-error');
    // The toolbar's problem list names the field by its path inside the group.
    await page.getByRole('button', { name: '⚠ 1 problem' }).click();
    expect(await page.getByRole('list', { name: 'Problems' }).innerText()).toBe('poll Request › URL: required');
    await screenshot(page, 'poll-nested-field-error');
    await page.getByRole('button', { name: '⚠ 1 problem' }).click();

    await url.fill(`${feed.url}/orders`);
    await expect.poll(() => field('request.url').getAttribute('class')).not.toContain('has-error');
  });

  it('shows the raw response when the items path finds nothing, and offers the lists in it', async () => {
    const before = feed.hits();
    await testPoll();
    expect(feed.hits()).toBe(before + 1);
    const missing = page.getByTestId('poll-items-missing');
    expect(await missing.innerText()).toContain('The items path body.results found nothing');
    const raw = page.getByTestId('poll-raw-response');
    expect(await raw.getAttribute('open')).not.toBeNull();
    const body = await raw.locator('pre').innerText();
    expect(JSON.parse(body)).toEqual({ data: [{ id: 'evt_2', title: 'Second order' }, { id: 'evt_1', title: 'First order' }], page: 1 });
    expect(body).toContain('\n  "data": ['); // pretty, not one line
    await missing.scrollIntoViewIfNeeded();
    await screenshot(page, 'poll-items-missing');

    await missing.getByRole('button', { name: 'Use body.data' }).click();
    expect(await field('items').locator('textarea').inputValue()).toBe('body.data');
    await testPoll();
    await expect.poll(() => page.getByLabel('Test poll result').innerText()).toContain('2 items found');
    expect(await page.getByTestId('poll-items-missing').count()).toBe(0);
    expect(await page.getByTestId('poll-key-missing').count()).toBe(0);
  });

  it('warns when the key finds nothing and the content hash is used', async () => {
    const key = field('key').locator('textarea');
    await key.fill('uuid');
    await testPoll();
    const warning = page.getByTestId('poll-key-missing');
    await warning.waitFor();
    expect(await warning.innerText()).toContain('The key uuid found nothing for all 2 items');
    expect(await warning.innerText()).toContain('hash of each item’s whole content is used as its key');
    expect(await page.getByLabel('Test poll result').getByText('(content hash)').count()).toBe(2);
    await warning.scrollIntoViewIfNeeded();
    await screenshot(page, 'poll-key-missing');

    await key.fill('id');
    await testPoll();
    await expect.poll(() => page.getByTestId('poll-key-missing').count()).toBe(0);
    expect(await page.getByLabel('Test poll result').getByText('key evt_2', { exact: true }).count()).toBe(1);
  });

  it('updates the last and next poll of an active trigger without a reload', async () => {
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('switch', { name: 'Active' }).click();
    await expect.poll(() => page.getByRole('switch', { name: 'Active' }).getAttribute('aria-checked')).toBe('true');
    // A marker that a reload would wipe.
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    const lastPoll = page.getByTestId('last-poll');
    await expect.poll(() => lastPoll.getAttribute('data-at'), SLOW).not.toBe('');
    const first = (await lastPoll.getAttribute('data-at'))!;
    expect(await lastPoll.innerText()).toMatch(/^(now|\d+ s ago) · 2 items, 0 new runs$/);
    await page.getByLabel('Poll state').scrollIntoViewIfNeeded();
    await screenshot(page, 'poll-live-state');
    expect(await page.getByTestId('next-poll').innerText()).toMatch(/^(in \d+ s|due now)$/);
    // The relative time ticks on its own.
    const shown = await lastPoll.innerText();
    await expect.poll(() => lastPoll.innerText(), SLOW).not.toBe(shown);

    // The next poll (10 s later) arrives in the panel as it is.
    await expect.poll(() => lastPoll.getAttribute('data-at'), SLOW).not.toBe(first);
    expect(Date.parse((await lastPoll.getAttribute('data-at'))!)).toBeGreaterThan(Date.parse(first));
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  }, 90_000);

  it('places nested messages on their fields for any node: a webhook header auth without its name and credential', async () => {
    const r = await page.request.post(`${server.url}/api/workflows`, {
      data: { name: 'Hook with header auth', nodes: [{ id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: { auth: { type: 'header' } } }], edges: [] },
      headers: { origin: server.url },
    });
    await page.goto(`${server.url}/#/workflows/${((await r.json()) as { id: string }).id}`);
    await page.locator('.react-flow__node[data-id="hook"]').click();
    // The group sits under Advanced, which opens by itself because a field inside has a fault.
    await field('auth.name').waitFor();
    for (const path of ['auth.name', 'auth.credentialId']) {
      expect(await field(path).getAttribute('class')).toContain('has-error');
      expect(await field(path).locator('.field-error').innerText()).toBe('required');
    }
    expect(await field('auth.type').getAttribute('class')).not.toContain('has-error');
    expect(await field('auth').getAttribute('class')).not.toContain('has-error');
    expect(await field('auth').locator(':scope > .field-error').count()).toBe(0);
  });
});
