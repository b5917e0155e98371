/**
 * A past execution on the editor's canvas (issue 15): a run of v1 is not painted on v2's graph (it
 * is offered to view instead); the execution page's "Open in editor" shows v1's graph read-only with
 * that run's statuses, the step's input and output in the panel, and nothing editable; "Back to
 * editing" returns to the v2 draft, and an unsaved draft (a rename, a deleted node) with its undo
 * history survives a visit through the Runs menu.
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, screenshot, signIn, type RunningServer, type Sink } from './harness.ts';
import { editorSession } from './session.ts';

describe.skipIf(!browserAvailable())('a past execution on the canvas', () => {
  const session = editorSession();
  let server: RunningServer;
  let sink: Sink;
  let page: Page;
  beforeAll(() => void ({ server, sink, page } = session));

  const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
  const text = async (l: Locator) => (await l.textContent()) ?? '';
  const banner = () => page.getByRole('region', { name: 'Viewing a past execution' });
  const api = async (path: string, data?: unknown) => {
    const r = data === undefined ? await page.request.get(`${server.url}${path}`) : await page.request.post(`${server.url}${path}`, { data, headers: { origin: server.url } });
    return (await r.json()) as Record<string, any>;
  };

  it('opens a v1 run on v1’s graph, read-only, and goes back to the v2 draft untouched', async () => {
    await signIn(page, server.url);
    const wf = await api('/api/workflows', {
      name: 'Replay me',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: {} },
        { id: 'call', type: 'action.http', position: { x: 320, y: 0 }, config: { method: 'POST', url: `${sink.url}/replay-v1`, body: { n: '{{ steps.hook.body.n }}' } } },
      ],
      edges: [{ id: 'a', source: 'hook', target: 'call' }],
    });
    expect(wf.version).toBe(1);
    const { executionId } = await api(`/api/workflows/${wf.id}/run`, { payload: { body: { n: 7 } } });
    await sink.waitFor((r) => r.url === '/replay-v1');
    await expect.poll(async () => (await api(`/api/executions/${executionId}`)).status, { timeout: 15_000 }).toBe('success');

    // v1 is being edited: its run is painted. Add a Transform after the HTTP step and save v2.
    await page.goto(`${server.url}/#/workflows/${wf.id}`);
    await node('call').getByLabel('Last run: Succeeded').waitFor();
    await node('call').click();
    await page.getByRole('navigation', { name: 'Node palette' }).getByRole('button', { name: 'Transform' }).click();
    await node('transform').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => text(page.locator('.save-state'))).toBe('Saved · v2');

    // The v1 run is no longer painted on v2's graph; it is offered to view on its own.
    await expect.poll(() => page.locator('.wf-node-run').count()).toBe(0);
    const offer = page.getByRole('link', { name: /Last run · v1 .*View/ });
    expect(await offer.getAttribute('href')).toBe(`#/workflows/${wf.id}?execution=${executionId}`);

    // From the execution's page, "Open in editor".
    await page.goto(`${server.url}/#/executions/${executionId}`);
    await page.getByRole('link', { name: 'Open in editor' }).click();
    await banner().waitFor();
    expect((await text(banner())).replace(/\s+/g, ' ')).toContain(`Viewing execution ${executionId} · v1 · Succeeded`);
    await node('call').getByLabel('This run: Succeeded').waitFor();
    expect(await node('hook').getByLabel('This run: Succeeded').count()).toBe(1);
    expect(await node('transform').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Add a step after HTTP Request' }).count()).toBe(0);
    await screenshot(page, 'editor-replay');

    // Nothing edits: the palette, Save, Run, Active, undo; the panel shows the step's data, fields disabled.
    const palette = page.getByRole('navigation', { name: 'Node palette' });
    expect(await palette.getByRole('button', { name: 'Transform' }).isDisabled()).toBe(true);
    expect(await palette.getByRole('button', { name: 'HTTP Request' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: '▶ Run' }).isDisabled()).toBe(true);
    expect(await page.getByRole('switch', { name: 'Active' }).isDisabled()).toBe(true);
    await node('call').click();
    const panel = page.getByRole('complementary', { name: 'Node settings' });
    const data = panel.getByRole('tabpanel', { name: 'Data' });
    await data.waitFor();
    await expect.poll(() => text(data)).toContain('/replay-v1');
    expect(await text(data)).toContain('"n": 7');
    await panel.getByRole('tab', { name: 'Settings' }).click();
    const url = panel.getByLabel('URL', { exact: true });
    expect(await url.inputValue()).toBe(`${sink.url}/replay-v1`);
    expect(await url.isDisabled()).toBe(true);
    expect(await panel.getByRole('button', { name: 'Delete node' }).isDisabled()).toBe(true);
    // Delete and paste from the keyboard do nothing either.
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await node('call').click();
    await page.keyboard.press('Delete');
    expect(await node('call').count()).toBe(1);

    await banner().getByRole('button', { name: 'Back to editing' }).click();
    await expect.poll(() => banner().count()).toBe(0);
    await node('transform').waitFor();
    expect(page.url()).toBe(`${server.url}/#/workflows/${wf.id}`);
    expect(await text(page.locator('.save-state'))).toBe('Saved · v2');
    expect(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(false);
    expect(await palette.getByRole('button', { name: 'Transform' }).isDisabled()).toBe(false);
    expect(await page.locator('.wf-node-run').count()).toBe(0);
  }, 120_000);

  it('keeps an unsaved draft and its undo history across a visit from the Runs menu', async () => {
    const name = page.getByLabel('Workflow name');
    await name.fill('Replay me, renamed');
    // Selected from the keyboard (the node may sit at the canvas's edge, under the panel).
    await node('transform').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => node('transform').getAttribute('class')).toContain('selected');
    await page.keyboard.press('Delete');
    await expect.poll(() => node('transform').count()).toBe(0);
    await expect.poll(() => text(page.locator('.save-state'))).toBe('Unsaved changes');

    await page.getByRole('button', { name: 'Runs ▾' }).click();
    const menu = page.getByRole('menu', { name: 'Past runs' });
    // The runs, not the menu's other entries ("Version history…"), which show before the list has loaded.
    const item = menu.locator('a.past-run').first();
    await item.waitFor();
    expect((await text(item)).replace(/\s+/g, ' ')).toMatch(/Succeeded.*v1.*manual/);
    await item.click();
    await banner().waitFor();
    await node('call').getByLabel('This run: Succeeded').waitFor();
    expect(await page.getByRole('button', { name: 'Undo' }).isDisabled()).toBe(true);

    await banner().getByRole('button', { name: 'Back to editing' }).click();
    await expect.poll(() => banner().count()).toBe(0);
    expect(await node('transform').count()).toBe(0);
    expect(await name.inputValue()).toBe('Replay me, renamed');
    expect(await text(page.locator('.save-state'))).toBe('Unsaved changes');
    // The deletion made before the visit is still the step Undo takes back.
    await page.getByRole('button', { name: 'Undo' }).click();
    await node('transform').waitFor();

    // An execution that does not exist: said so, the address drops it, the draft stays.
    const here = page.url();
    await page.goto(`${here}?execution=ex_gone`);
    await page.getByRole('alert').filter({ hasText: 'Could not show that execution' }).waitFor();
    await expect.poll(() => page.url()).toBe(here);
    expect(await banner().count()).toBe(0);
    expect(await text(page.locator('.save-state'))).toBe('Unsaved changes');
    expect(await node('transform').count()).toBe(1);
  }, 120_000);
});
