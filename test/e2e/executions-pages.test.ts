/**
 * The executions pages (issue 15), in Chromium against the real server: a webhook run whose HTTP
 * step fails against a loopback sink answering 500. The list row says what came in (the body's
 * first fields), where it failed and why, how long it took and which version ran; the detail shows
 * a step's panels side by side, folds one with its control, and shows the request the HTTP step
 * sent (method, resolved URL) beside the response; a retry is worded "Retry of …"; steps keep the
 * names of the version that ran.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink } from '../helpers/sink.ts';
import { browserAvailable, screenshot, signIn, type RunningServer } from './harness.ts';
import { editorSession } from './session.ts';

describe.skipIf(!browserAvailable())('executions list and detail', () => {
  const session = editorSession({ width: 1440, height: 900 });
  let server: RunningServer;
  let page: Page;
  let failing: Awaited<ReturnType<typeof startSink>>;
  let executionId: string;

  beforeAll(async () => {
    ({ server, page } = session);
    failing = await startSink(() => ({ status: 500, body: { error: 'crm down' } }));
    await signIn(page, server.url);
    const headers = { origin: server.url };
    const doc = (nodes?: unknown[]) => ({
      name: 'Signup to CRM',
      nodes: nodes ?? [
        { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: { methods: ['POST'] } },
        {
          id: 'crm',
          type: 'action.http',
          name: 'Notify CRM',
          position: { x: 300, y: 0 },
          config: { method: 'POST', url: `${failing.url}/leads/{{ trigger.body.plan }}`, body: { email: '{{ trigger.body.email }}' } },
        },
      ],
      edges: [{ id: 'e', source: 'hook', target: 'crm' }],
    });
    const created = await (await page.request.post(`${server.url}/api/workflows`, { data: doc(), headers })).json();
    // Saved once more, so the run is of version 2.
    const saved = await page.request.put(`${server.url}/api/workflows/${created.id}`, { data: doc(created.nodes), headers });
    expect(((await saved.json()) as { version: number }).version).toBe(2);
    const active = await (await page.request.post(`${server.url}/api/workflows/${created.id}/activate`, { headers })).json();
    const res = await fetch(active.triggers[0].url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.co', plan: 'pro', seats: 3, source: 'ads' }),
    });
    expect(res.status).toBe(202);
    executionId = ((await res.json()) as { executionId: string }).executionId;
  });
  afterAll(() => failing?.close());

  it('lists the run with its body summary, failed node and error, duration, version and mode in words', async () => {
    await page.goto(`${server.url}/#/executions`);
    const row = page.locator('tbody tr').filter({ hasText: 'Signup to CRM' }).first();
    await row.getByText('Failed', { exact: true }).waitFor();
    await expect.poll(() => row.locator('.exec-summary').textContent()).toBe('email: a@b.co · plan: pro · seats: 3 · …');
    expect(await row.locator('.exec-failure strong').textContent()).toBe('Notify CRM');
    expect(await row.locator('.exec-error').textContent()).toBe('HTTP 500');
    expect(await row.locator('.version-tag').textContent()).toBe('v2');
    expect(await row.locator('.exec-mode').textContent()).toBe('Webhook');
    // The duration cell holds a measured time, not the dash of an unfinished run.
    expect(await row.locator('td').nth(4).textContent()).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    // The status filter names statuses as the badges do.
    const options = await page.getByLabel('Status').locator('option').allTextContents();
    expect(options).toEqual(['Any status', 'Queued', 'Running', 'Succeeded', 'Failed', 'Canceled']);
    await screenshot(page, 'executions-list');
    // At 1024 px the row still fits: long summaries are cut with an ellipsis, nothing is clipped.
    await page.setViewportSize({ width: 1024, height: 700 });
    try {
      const fits = await page.locator('.table-wrap').evaluate((el) => el.scrollWidth <= el.clientWidth);
      expect(fits).toBe(true);
      const started = (await row.locator('td').last().boundingBox())!;
      expect(started.x + started.width).toBeLessThanOrEqual(1024);
      await screenshot(page, 'executions-list-1024');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  it('shows a step’s input and output side by side, folds one with its control, and the HTTP request beside its response', async () => {
    await page.locator('tbody tr').filter({ hasText: 'Signup to CRM' }).first().click();
    await page.getByRole('heading', { name: /Execution/ }).waitFor();
    expect(page.url()).toContain(encodeURIComponent(executionId));
    await page.getByText('Failed at').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Failed at Notify CRM: HTTP_STATUS HTTP 500');

    // Steps are named once the workflow has loaded beside the execution.
    const step = page.getByRole('listitem', { name: 'Step Notify CRM' });
    await step.waitFor();
    const input = step.getByRole('region', { name: 'Input' });
    const request = step.getByRole('region', { name: 'Request sent' });
    const response = step.getByRole('region', { name: 'Response' });
    // All three open at once, side by side (one row, left to right).
    for (const panel of [input, request, response]) expect(await panel.locator('pre').isVisible()).toBe(true);
    const [a, b, c] = await Promise.all([input, request, response].map(async (p) => (await p.boundingBox())!));
    expect(Math.abs(a!.y - b!.y)).toBeLessThan(2);
    expect(a!.x < b!.x && b!.x < c!.x).toBe(true);

    // The request as sent: method and the URL with its template resolved; beside it the sink's answer.
    expect(await request.locator('.io-headline').textContent()).toBe(`POST ${failing.url}/leads/pro`);
    expect(JSON.parse((await request.locator('pre').textContent())!)).toMatchObject({ method: 'POST', url: `${failing.url}/leads/pro`, body: { email: 'a@b.co' } });
    expect(await response.locator('.io-headline').textContent()).toBe('HTTP 500');
    expect(JSON.parse((await response.locator('pre').textContent())!)).toEqual({ status: 500, body: { error: 'crm down' } });
    expect(JSON.parse((await input.locator('pre').textContent())!)).toMatchObject({ method: 'POST', body: { email: 'a@b.co', plan: 'pro' } });

    // Fold the input: its control says so, its body goes, the others stay.
    const toggle = input.getByRole('button', { name: 'Input', exact: true });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await input.locator('pre').isVisible()).toBe(false);
    expect(await response.locator('pre').isVisible()).toBe(true);
    await step.scrollIntoViewIfNeeded();
    await screenshot(page, 'execution-detail');
    // And from the keyboard, back open.
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await input.locator('pre').isVisible()).toBe(true);

    // The trigger's step shows the event it received.
    const trigger = page.getByRole('listitem', { name: /^Step / }).first();
    expect(await trigger.getByRole('region', { name: 'Trigger event' }).locator('pre').textContent()).toContain('"seats": 3');
  });

  it('words a retry as "Retry of …", once', async () => {
    await page.getByRole('button', { name: 'Retry from start', exact: true }).click();
    await page.waitForURL((u) => !u.href.includes(encodeURIComponent(executionId)));
    await page.getByText('Retry of').waitFor();
    await page.goto(`${server.url}/#/executions`);
    const retryRow = page.locator('tbody tr').filter({ hasText: 'Retry of' });
    await retryRow.first().waitFor();
    expect(await retryRow.count()).toBe(1);
    expect(await retryRow.locator('.exec-mode').textContent()).toBe(`Retry of …${executionId.slice(-6)}`);
    expect(await retryRow.locator('.exec-summary').textContent()).toBe('email: a@b.co · plan: pro · seats: 3 · …');
    expect(await page.locator('tbody').textContent()).not.toMatch(/retry \(retry\)|\bretry\b/);
  });

  it('names the steps as the version that ran named them, after a rename in a later version', async () => {
    const headers = { origin: server.url };
    const detail = (await (await page.request.get(`${server.url}/api/executions/${executionId}`)).json()) as { workflowId: string };
    const wf = (await (await page.request.get(`${server.url}/api/workflows/${detail.workflowId}`)).json()) as { name: string; nodes: { id: string; name?: string }[]; edges: unknown[] };
    const renamed = wf.nodes.map((n) => (n.id === 'crm' ? { ...n, name: 'Call the CRM' } : n));
    expect((await page.request.put(`${server.url}/api/workflows/${detail.workflowId}`, { data: { name: wf.name, nodes: renamed, edges: wf.edges }, headers })).status()).toBe(200);
    await page.goto(`${server.url}/#/executions/${executionId}`);
    await page.getByRole('listitem', { name: 'Step Notify CRM' }).waitFor();
    expect(await page.getByRole('listitem', { name: 'Step Call the CRM' }).count()).toBe(0);
  });
});
