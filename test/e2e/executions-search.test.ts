/**
 * Execution search in the browser (issue 13): an email typed into the executions page's search box
 * finds exactly the webhook run whose body held it; the URL carries the query (and the other
 * filters), so opening that URL afresh shows the same search.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/boot.ts';
import { startSink } from '../helpers/sink.ts';
import { browserAvailable, screenshot, signIn, type RunningServer } from './harness.ts';
import { editorSession } from './session.ts';

describe.skipIf(!browserAvailable())('executions search', () => {
  const session = editorSession({ width: 1440, height: 900 });
  let server: RunningServer;
  let page: Page;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let wanted: string;
  let workflowId: string;

  beforeAll(async () => {
    ({ server, page } = session);
    sink = await startSink(() => ({ status: 200, body: { ok: true } }));
    await signIn(page, server.url);
    const headers = { origin: server.url };
    const created = await (
      await page.request.post(`${server.url}/api/workflows`, {
        headers,
        data: {
          name: 'Signups search',
          nodes: [
            { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: { methods: ['POST'] } },
            { id: 'crm', type: 'action.http', position: { x: 300, y: 0 }, config: { method: 'POST', url: `${sink.url}/leads`, body: { email: '{{ trigger.body.email }}' } } },
          ],
          edges: [{ id: 'e', source: 'hook', target: 'crm' }],
        },
      })
    ).json();
    workflowId = created.id;
    const active = await (await page.request.post(`${server.url}/api/workflows/${created.id}/activate`, { headers })).json();
    const fire = async (email: string) => {
      const res = await fetch(active.triggers[0].url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, plan: 'team' }) });
      expect(res.status).toBe(202);
      return ((await res.json()) as { executionId: string }).executionId;
    };
    await fire('maria.lopez@example.org');
    wanted = await fire('grace.hopper+ops@example.org');
    await fire('grace.h@example.net');
    // All three finished: the list (and its index) hold them whole.
    await until(async () => ((await (await page.request.get(`${server.url}/api/executions?workflowId=${workflowId}&status=success`)).json()) as any).items.length === 3);
  });
  afterAll(() => sink?.close());

  it('finds exactly the run whose webhook body held the email, and keeps the search in the URL', async () => {
    await page.goto(`${server.url}/#/executions`);
    await page.locator('tbody tr').filter({ hasText: 'Signups search' }).first().waitFor();
    const box = page.getByRole('searchbox', { name: 'Search' });
    await box.fill('grace.hopper+ops@example.org');
    await box.press('Enter');
    await expect.poll(() => new URL(page.url()).hash).toContain('q=');
    const params = new URLSearchParams(new URL(page.url()).hash.split('?')[1]);
    expect(params.get('q')).toBe('grace.hopper+ops@example.org');
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().locator('.exec-summary').textContent()).toContain('grace.hopper+ops@example.org');
    expect(await rows.first().locator('a[href*="/executions/"]').last().getAttribute('href')).toContain(wanted);
    await screenshot(page, 'executions-search');

    // The shared URL, opened afresh, shows the same search; a status filter keeps the text.
    await page.goto(`${server.url}/#/executions?${params}`);
    await expect.poll(() => box.inputValue()).toBe('grace.hopper+ops@example.org');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Status').selectOption('success');
    await expect.poll(() => new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('status')).toBe('success');
    expect(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('q')).toBe('grace.hopper+ops@example.org');
    await expect.poll(() => rows.count()).toBe(1);

    // A search nothing matches says so in words.
    await box.fill('nobody@example.invalid');
    await box.press('Enter');
    await page.getByText('No executions contain “nobody@example.invalid”').waitFor();
  });

  it('narrows by trigger mode from the URL', async () => {
    await page.goto(`${server.url}/#/executions?workflowId=${workflowId}&mode=manual`);
    await page.getByText('No executions match these filters').waitFor();
    expect(await page.getByLabel('Started by').inputValue()).toBe('manual');
    await page.getByLabel('Started by').selectOption('webhook');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);
  });
});
