/**
 * The editor's version history (issue 13): three saved versions (one through the API, one from
 * the editor); the History dialog lists them with who and what changed, draws a removed node and a
 * changed field, compares with the draft, passes axe, and works from the keyboard; "Restore as
 * draft" (after a confirm) saves v1 as v4 and the canvas shows it; an execution's "v1" opens the
 * history on that version; a narrow window opens it from the Runs menu.
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, seriousViolations } from './a11y-axe.ts';
import { browserAvailable, screenshot, signIn, type RunningServer, type Sink } from './harness.ts';
import { editorSession } from './session.ts';

describe.skipIf(!browserAvailable())('version history in the editor', () => {
  const session = editorSession();
  let server: RunningServer;
  let sink: Sink;
  let page: Page;
  beforeAll(() => void ({ server, sink, page } = session));

  const text = async (l: Locator) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ');
  const api = async (path: string, data?: unknown, method = 'POST') => {
    const r =
      data === undefined
        ? await page.request.get(`${server.url}${path}`)
        : await page.request.fetch(`${server.url}${path}`, { method, data, headers: { origin: server.url } });
    expect(r.status(), `${path}: ${await r.text()}`).toBeLessThan(300);
    return (await r.json()) as Record<string, any>;
  };
  const dialog = () => page.getByRole('dialog', { name: 'Version history' });
  const versionButton = (v: number) => dialog().getByRole('list', { name: 'Versions' }).getByRole('button', { name: new RegExp(`^v${v}\\b`) });
  const diffNode = (id: string) => dialog().getByTestId(`diff-node-${id}`);

  it('lists the versions, shows what changed, and restores one as a new version', async () => {
    await signIn(page, server.url);
    const nodes = [
      { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
      { id: 'call', type: 'action.http', position: { x: 320, y: 0 }, config: { method: 'POST', url: `${sink.url}/one`, body: { ok: true } } },
      { id: 'shape', type: 'data.transform', position: { x: 640, y: 0 }, config: { expression: '{"done": true}' } },
    ];
    const edges = [
      { id: 'a', source: 'start', target: 'call' },
      { id: 'b', source: 'call', target: 'shape' },
    ];
    const wf = await api('/api/workflows', { name: 'History', nodes, edges });
    const { executionId } = await api(`/api/workflows/${wf.id}/run`, { payload: {} });
    await sink.waitFor((r) => r.url === '/one');
    // v2 through the API: the call's URL changes.
    const v2 = await api(`/api/workflows/${wf.id}`, { name: 'History', nodes: nodes.map((n) => (n.id === 'call' ? { ...n, config: { ...n.config, url: `${sink.url}/two` } } : n)), edges }, 'PUT');
    expect(v2.version).toBe(2);

    // v3 from the editor: the Transform is deleted.
    await page.goto(`${server.url}/#/workflows/${wf.id}`);
    await page.locator('.react-flow__node[data-id="shape"]').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('.react-flow__node[data-id="shape"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => text(page.locator('.save-state'))).toBe('Saved · v3');

    // Opened from the keyboard; the list says who saved each version and what changed.
    await page.locator('.react-flow__node[data-id="call"]').click();
    const history = page.getByRole('button', { name: 'History', exact: true });
    await history.focus();
    await page.keyboard.press('Enter');
    await dialog().waitFor();
    await versionButton(1).waitFor();
    expect(await text(versionButton(3))).toMatch(/v3 Current .*1 node removed by owner@example\.com/);
    expect(await text(versionButton(2))).toContain('1 node changed');
    expect(await text(versionButton(1))).toContain('created with 3 nodes');
    expect(await versionButton(3).getAttribute('aria-pressed')).toBe('true');

    // v3 against v2: the Transform is drawn removed, and named so in the list.
    await expect.poll(() => diffNode('shape').getAttribute('data-status')).toBe('removed');
    expect(await diffNode('call').getAttribute('data-status')).toBe('same');
    const changes = dialog().getByRole('list', { name: 'Changes' });
    expect(await text(changes)).toContain('Removed Transform shape');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const violations = await seriousViolations(page);
      expect(violations, describeViolations(`the version history (${scheme})`, violations)).toEqual([]);
    }
    await screenshot(page, 'editor-history-removed-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // v2 against v1: the call's URL, field by field.
    await versionButton(2).click();
    await expect.poll(() => diffNode('call').getAttribute('data-status')).toBe('changed');
    const fields = dialog().getByRole('table', { name: 'Fields changed in call' });
    const row = fields.getByRole('row', { name: /config\.url/ });
    expect(await text(row.getByRole('cell').first())).toBe(`${sink.url}/one`);
    expect(await text(row.getByRole('cell').last())).toBe(`${sink.url}/two`);
    await screenshot(page, 'editor-history');

    // v1 against the current draft: the draft has no Transform and the new URL.
    await versionButton(1).click();
    await dialog().getByRole('radio', { name: 'The current draft' }).check();
    await expect.poll(() => diffNode('shape').getAttribute('data-status')).toBe('removed');
    expect(await diffNode('call').getAttribute('data-status')).toBe('changed');
    expect(await text(dialog())).toContain('From v1 to the current draft');

    // Keys inside the dialog stay there: Delete does not remove the node selected behind it.
    await versionButton(1).focus();
    await page.keyboard.press('Delete');
    // (The editor's canvas, not the dialog's mini canvas, which draws the same node ids.)
    expect(await page.locator('.canvas .react-flow__node[data-id="call"]').count()).toBe(1);
    expect(await text(page.locator('.save-state'))).toBe('Saved · v3');

    // Escape closes it and gives focus back to the History button.
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog().count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('History');

    // Restore v1, past the confirm (Cancel first: nothing happens).
    await history.click();
    await versionButton(1).click();
    await dialog().getByRole('button', { name: 'Restore as draft' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Please confirm' });
    expect(await text(confirm)).toContain('Restore v1 as draft?');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect((await api(`/api/workflows/${wf.id}`)).version).toBe(3);
    await dialog().getByRole('button', { name: 'Restore as draft' }).click();
    await confirm.getByRole('button', { name: 'Restore as draft' }).click();
    await expect.poll(() => dialog().count()).toBe(0);
    await expect.poll(() => text(page.locator('.save-state'))).toBe('Saved · v4');
    await page.locator('.react-flow__node[data-id="shape"]').waitFor();
    expect(await text(page.locator('.react-flow__node[data-id="call"]'))).toContain('/one');
    const saved = await api(`/api/workflows/${wf.id}`);
    expect(saved.version).toBe(4);
    expect(saved.nodes.map((n: { id: string }) => n.id)).toEqual(['start', 'call', 'shape']);
    const list = (await api(`/api/workflows/${wf.id}/versions`)).items as { version: number; summary: string }[];
    expect(list.map((v) => v.version)).toEqual([4, 3, 2, 1]);
    expect(list[0]!.summary).toBe('restored from v1: 1 node added, 1 node changed');

    // The execution ran v1: its page links there, and the link opens the history on v1.
    await page.goto(`${server.url}/#/executions/${executionId}`);
    await page.getByRole('link', { name: 'v1, in the version history' }).click();
    await dialog().waitFor();
    await expect.poll(() => versionButton(1).getAttribute('aria-pressed')).toBe('true');
    expect(await versionButton(4).getAttribute('aria-pressed')).toBe('false');
    await dialog().getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe(`#/workflows/${wf.id}`);

    // A narrow window folds the History button away; the Runs menu still opens the history.
    await page.setViewportSize({ width: 1024, height: 700 });
    await expect.poll(() => history.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Runs ▾' }).click();
    await page.getByRole('menuitem', { name: 'Version history…' }).click();
    await dialog().waitFor();
    await expect.poll(() => versionButton(4).getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
