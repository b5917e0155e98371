/**
 * Browser test of "all N matching" on the executions page: the count follows the filters in the
 * URL, Retry all asks first, then shows the job's progress until every match was retried.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, signIn, type RunningServer } from './harness.ts';
import { editorSession } from './session.ts';

describe.skipIf(!browserAvailable())('bulk actions on the executions page', () => {
  const session = editorSession();
  let server: RunningServer;
  let page: Page;
  beforeAll(() => void ({ server, page } = session));

  it('retries all failed runs of a workflow, with progress', async () => {
    await signIn(page, server.url);
    const headers = { origin: server.url };
    const create = async (name: string, expression: string) =>
      (
        (await (
          await page.request.post(`${server.url}/api/workflows`, {
            headers,
            data: {
              name,
              nodes: [
                { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
                { id: 'shape', type: 'data.transform', position: { x: 300, y: 0 }, config: { expression } },
              ],
              edges: [{ id: 'e', source: 'start', target: 'shape' }],
            },
          })
        ).json()) as { id: string }
      ).id;
    const failing = await create('Always fails', '$error("no")');
    const fine = await create('Always fine', '1');
    for (let i = 0; i < 12; i++) await page.request.post(`${server.url}/api/workflows/${failing}/run`, { headers, data: { payload: { i } } });
    for (let i = 0; i < 3; i++) await page.request.post(`${server.url}/api/workflows/${fine}/run`, { headers, data: { payload: { i } } });
    const count = async (q: string) => ((await (await page.request.get(`${server.url}/api/executions?limit=200&${q}`)).json()) as { items: unknown[] }).items.length;
    await expect.poll(() => count(`workflowId=${failing}&status=error`), { timeout: 20_000 }).toBe(12);

    await page.goto(`${server.url}/#/executions?workflowId=${failing}&status=error`);
    const bar = page.getByRole('region', { name: 'Act on all matching executions' });
    await expect.poll(() => bar.textContent(), { timeout: 10_000 }).toContain('All 12 matching');
    await bar.getByRole('button', { name: 'Retry all 12' }).click();
    const dialog = page.getByRole('alertdialog');
    expect(await dialog.textContent()).toContain('Retry all 12 matching executions?');
    await dialog.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => bar.getByRole('status').textContent(), { timeout: 20_000 }).toBe('Retry: 12 / 12 done ✓');
    // Every failed run retried once; the successful workflow's runs untouched.
    await expect.poll(() => count(`workflowId=${failing}`), { timeout: 20_000 }).toBe(24);
    expect(await count(`workflowId=${fine}`)).toBe(3);
  }, 120_000);
});
