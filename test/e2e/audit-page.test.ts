/**
 * The audit log page in Chromium against the real server: reached from the shell's navigation, it
 * lists changes newest first with actor, action and target, pages with "Load more", and filters by
 * actor, action and time range — kept in the URL, so a reload or a shared link shows the same view.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, screenshot, signIn, type RunningServer } from './harness.ts';
import { editorSession } from './session.ts';

const MANY = 52;

describe.skipIf(!browserAvailable())('audit log page', () => {
  const session = editorSession({ width: 1440, height: 900 });
  let server: RunningServer;
  let page: Page;
  const rows = () => page.locator('.audit-table tbody tr');
  const hash = () => page.evaluate(() => decodeURIComponent(location.hash.slice(1)));

  beforeAll(async () => {
    ({ server, page } = session);
    await signIn(page, server.url);
    const headers = { origin: server.url };
    const failed = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@example.com', password: 'a wrong guess' }) });
    expect(failed.status).toBe(401);
    for (let i = 0; i < MANY; i++) {
      const r = await page.request.post(`${server.url}/api/workflows`, { data: { name: `Flow ${i}`, nodes: [], edges: [] }, headers });
      expect(r.status()).toBe(201);
    }
    const cred = await page.request.post(`${server.url}/api/credentials`, { data: { name: 'CRM token', type: 'httpBearer', data: { token: 'e2e-secret-value-123' } }, headers });
    expect(cred.status()).toBe(201);
  });

  it('is linked from the navigation and lists the newest first, with Load more for the rest', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Audit log' }).getAttribute('aria-current')).toBe('page');
    await rows().first().waitFor();
    expect(await page.locator('.audit-table thead th').allTextContents()).toEqual(['Time', 'Actor', 'Action', 'Target', 'Details', 'Address']);
    const first = rows().first();
    expect(await first.locator('td').nth(1).textContent()).toBe('owner@example.com');
    expect(await first.locator('td').nth(2).textContent()).toBe('credential.created');
    expect(await first.locator('.audit-name').textContent()).toBe('CRM token');
    expect(await first.locator('td').nth(4).textContent()).toBe('type: httpBearer');
    expect(await first.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await rows().count()).toBe(50);
    // A workflow's id opens it; a credential has no page of its own, so its id is plain text.
    expect(await rows().nth(1).locator('.audit-target a').getAttribute('href')).toMatch(/^#\/workflows\/wf_/);
    expect(await first.locator('.audit-target a').count()).toBe(0);
    await screenshot(page, 'audit-log');
    // At 1024 px the table still fits: long ids wrap, nothing is clipped.
    await page.setViewportSize({ width: 1024, height: 700 });
    try {
      expect(await page.locator('.table-wrap').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      await screenshot(page, 'audit-log-1024');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }

    // The owner's setup (signIn made it), the failed login, MANY workflows and the credential.
    const total = 1 + 1 + MANY + 1;
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows().count()).toBe(total);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    expect(await rows().last().locator('td').nth(2).textContent()).toBe('auth.setup');
    expect(await page.locator('.audit-table').textContent()).not.toContain('e2e-secret-value-123');
  });

  it('filters by actor and action, keeps the filters in the URL, and clears them', async () => {
    await page.getByLabel('Actor').fill('anonymous');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(hash).toBe('/audit?actor=anonymous');
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().locator('td').nth(1).textContent()).toBe('anonymoustried owner@example.com');
    expect(await rows().first().locator('td').nth(2).textContent()).toBe('auth.login_failed');
    expect(await rows().first().locator('td').nth(4).textContent()).toBe('wrong credentials');

    await page.getByLabel('Actor').fill('');
    await page.getByLabel('Action').selectOption('workflow.*');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(hash).toBe('/audit?action=workflow.*');
    await expect.poll(() => rows().count()).toBe(50);
    expect(new Set(await rows().locator('td:nth-child(3)').allTextContents())).toEqual(new Set(['workflow.created']));
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows().count()).toBe(MANY);

    // A reload (or a shared link) shows the same view, the form filled in.
    await page.reload();
    await expect.poll(() => rows().count()).toBe(50);
    expect(await page.getByLabel('Action').inputValue()).toBe('workflow.*');

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(hash).toBe('/audit');
    expect(await page.getByLabel('Action').inputValue()).toBe('');
    await expect.poll(() => rows().first().locator('td').nth(2).textContent()).toBe('credential.created');
  });

  it('filters by time range in the browser’s zone, sent as UTC', async () => {
    const tomorrow = await page.evaluate(() => {
      const d = new Date(Date.now() + 86_400_000);
      const pad = (n: number) => String(n).padStart(2, '0');
      const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      return { local, iso: new Date(local).toISOString() };
    });
    await page.getByLabel('From', { exact: true }).fill(tomorrow.local);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(hash).toBe(`/audit?from=${tomorrow.iso}`);
    await page.getByText('No entries match these filters').waitFor();
    expect(await rows().count()).toBe(0);

    // Up to tomorrow instead: everything so far.
    await page.getByLabel('From', { exact: true }).fill('');
    await page.getByLabel('To', { exact: true }).fill(tomorrow.local);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(hash).toBe(`/audit?to=${tomorrow.iso}`);
    await expect.poll(() => rows().count()).toBe(50);
    expect(await page.getByLabel('To', { exact: true }).inputValue()).toBe(tomorrow.local);
  });

  it('says what is wrong with a hand-edited filter in the URL', async () => {
    await page.goto(`${server.url}/#/audit?from=last-tuesday`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('from: must be an ISO 8601 date-time');
  });
});
