/**
 * Browser test of flow.forEach: connected in the editor, its body gets a lane; a run shows the
 * item counter climbing (`n / 6 items`) and then the count of items done; the execution page
 * pages through the items' steps. The action answers slowly (a sink of its own), so the count is
 * seen part way.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink as startSlowSink } from '../helpers/sink.ts';
import { browserAvailable, dragConnect, screenshot, signIn, type RunningServer } from './harness.ts';
import { editorSession } from './session.ts';

describe.skipIf(!browserAvailable())('a loop in the editor', () => {
  const session = editorSession();
  let server: RunningServer;
  let page: Page;
  let slow: Awaited<ReturnType<typeof startSlowSink>>;
  beforeAll(async () => {
    ({ server, page } = session);
    slow = await startSlowSink(async (req) => {
      await new Promise((r) => setTimeout(r, 450));
      return { status: 200, body: { got: req.json } };
    });
  });
  afterAll(() => slow.close());

  const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

  it('draws the body, counts items while running, and pages them on the execution page', async () => {
    await signIn(page, server.url);
    const res = await page.request.post(`${server.url}/api/workflows`, {
      data: {
        name: 'Order lines',
        nodes: [
          { id: 'start', type: 'trigger.manual', position: { x: 0, y: 100 }, config: { samplePayload: { lines: ['a', 'b', 'c', 'd', 'e', 'f'] } } },
          { id: 'lines', type: 'flow.forEach', position: { x: 320, y: 100 }, config: {} },
          { id: 'post', type: 'action.http', position: { x: 680, y: 40 }, config: { method: 'POST', url: `${slow.url}/line`, body: { line: '{{ item }}' } } },
        ],
        edges: [{ id: 'in', source: 'start', target: 'lines' }],
      },
      headers: { origin: server.url },
    });
    const wf = (await res.json()) as { id: string };
    await page.goto(`${server.url}/#/workflows/${wf.id}`);
    await expect.poll(() => node('lines').locator('.wf-out-label').allTextContents()).toEqual(['each', 'done']);

    await node('lines').click();
    await page.getByRole('textbox', { name: 'Items (JSONata)' }).fill('trigger.lines');
    await page.getByRole('button', { name: /fit view/i }).first().click();
    await page.waitForTimeout(400); // the fit-view animation
    await dragConnect(page, node('lines').locator('.react-flow__handle[data-handleid="each"]'), node('post').locator('.react-flow__handle.target'));
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    // The body is drawn as a lane named after the loop.
    await expect.poll(() => page.getByTestId('loop-lane-lines').textContent()).toContain('each item runs this step');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => ((await (await page.request.get(`${server.url}/api/workflows/${wf.id}`)).json()) as { edges: unknown[] }).edges.length).toBe(2);

    await page.getByRole('button', { name: '▶ Run' }).click();
    const count = page.getByTestId('count-lines');
    // Part way: some items done, not all (each takes ~450 ms, six in a row).
    await expect.poll(async () => (await count.textContent().catch(() => '')) ?? '', { timeout: 15_000 }).toMatch(/^[1-5] \/ 6 items$/);
    await expect.poll(async () => (await count.textContent().catch(() => '')) ?? '', { timeout: 20_000 }).toBe('6 items');
    expect(slow.requests.map((r) => (r.json as { line: string }).line)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    await expect.poll(() => node('post').textContent()).toContain('ran for 6 items');
    await screenshot(page, 'loop-after-run');

    // The execution page: one item at a time.
    const list = (await (await page.request.get(`${server.url}/api/executions?workflowId=${wf.id}`)).json()) as { items: { id: string }[] };
    await page.goto(`${server.url}/#/executions/${list.items[0]!.id}`);
    const items = page.locator('.loop-items');
    await expect.poll(() => items.locator('h3').textContent()).toContain('item 1 (1 of 6)');
    await expect.poll(() => items.locator('.step').count()).toBe(1);
    await items.getByRole('button', { name: 'Next item' }).click();
    await expect.poll(() => items.locator('h3').textContent()).toContain('item 2 (2 of 6)');
    expect(await items.locator('.step').textContent()).toContain('"line": "b"');
    await items.getByLabel('Go to item').selectOption({ label: 'Item 6' });
    await expect.poll(() => items.locator('h3').textContent()).toContain('item 6 (6 of 6)');
    expect(await items.getByRole('button', { name: 'Next item' }).isDisabled()).toBe(true);
  }, 120_000);
});
