/**
 * The editor on a small screen (1024×700, issue 15): the toolbar's Save and Active stay on screen,
 * the palette and the node panel fold away (and stay folded after a reload), and the workflow
 * list's actions are not clipped.
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, screenshot, signIn, type RunningServer } from './harness.ts';
import { editorSession } from './session.ts';

const VIEW = { width: 1024, height: 700 };

describe.skipIf(!browserAvailable())('editor at 1024×700', () => {
  const session = editorSession(VIEW);
  let server: RunningServer;
  let page: Page;
  beforeAll(() => void ({ server, page } = session));

  /** Wholly inside the window. */
  const onScreen = async (l: Locator) => {
    const b = (await l.boundingBox())!;
    return b.x >= 0 && b.y >= 0 && b.x + b.width <= VIEW.width && b.y + b.height <= VIEW.height;
  };

  it('keeps Save and Active visible, folds the side columns away and remembers it, and never clips the list', async () => {
    await signIn(page, server.url);
    const r = await page.request.post(`${server.url}/api/workflows`, {
      data: {
        name: 'A workflow with a fairly long name, to see the header hold',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: {} },
          { id: 'check', type: 'logic.if', position: { x: 320, y: 0 }, config: { condition: 'input.body.ok = true' } },
        ],
        edges: [{ id: 'a', source: 'hook', target: 'check' }],
      },
      headers: { origin: server.url },
    });
    const wf = (await r.json()) as { id: string };
    await page.goto(`${server.url}/#/workflows/${wf.id}`);
    await page.locator('.react-flow__node[data-id="check"]').click();
    expect(await onScreen(page.getByRole('button', { name: 'Save', exact: true }))).toBe(true);
    expect(await onScreen(page.getByRole('switch', { name: 'Active' }))).toBe(true);
    await screenshot(page, 'small-editor');

    // A run adds "Last run" to the bar, and a run of an older version a longer "Last run · v1 · View":
    // Save and Active still fit.
    await page.request.post(`${server.url}/api/workflows/${wf.id}/run`, { data: { payload: { body: { ok: true } } }, headers: { origin: server.url } });
    await page.locator('.editor-bar .last-run').waitFor({ timeout: 20_000 });
    expect(await onScreen(page.getByRole('button', { name: 'Save', exact: true }))).toBe(true);
    expect(await onScreen(page.getByRole('switch', { name: 'Active' }))).toBe(true);
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('.editor-bar .last-run.other-version').waitFor({ timeout: 10_000 });
    expect(await onScreen(page.getByRole('button', { name: 'Save', exact: true }))).toBe(true);
    expect(await onScreen(page.getByRole('switch', { name: 'Active' }))).toBe(true);
    // On one row, here and on a 1280-px laptop (the bar wraps only as a last resort).
    const barHeight = async () => (await page.locator('.editor-bar').boundingBox())!.height;
    expect(await barHeight()).toBeLessThan(60);
    await screenshot(page, 'small-editor-after-run');
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(barHeight).toBeLessThan(60);
    expect(await page.getByRole('link', { name: 'Executions' }).isVisible()).toBe(true);
    await page.setViewportSize(VIEW);

    const canvasWidth = async () => (await page.locator('.canvas').boundingBox())!.width;
    const before = await canvasWidth();
    await page.getByRole('button', { name: 'Hide the node palette' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Node palette' }).count()).toBe(0);
    expect(await canvasWidth()).toBeGreaterThan(before + 150);
    await page.reload();
    await page.locator('.react-flow__node[data-id="check"]').waitFor();
    expect(await page.getByRole('navigation', { name: 'Node palette' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Show the node palette' }).click();
    await page.getByRole('navigation', { name: 'Node palette' }).waitFor();
    await page.getByRole('button', { name: 'Hide the node panel' }).click();
    expect(await page.getByRole('button', { name: 'Show the node panel' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Show the node panel' }).click();

    await page.getByRole('link', { name: 'Back to workflows' }).click();
    const row = page.locator('tbody tr').first();
    await row.waitFor();
    for (const action of ['Duplicate', 'Export', 'Delete']) expect(await onScreen(row.getByRole('button', { name: action }))).toBe(true);
  }, 120_000);
});
