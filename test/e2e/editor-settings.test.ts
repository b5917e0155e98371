/**
 * Browser test of the workflow settings dialog: a bad e-mail is marked at its field and nothing is
 * saved; an alert e-mail, a concurrency limit and a timeout are saved with the workflow, kept by
 * the editor's normal save afterwards, and shown again after a reload; a narrow window opens the
 * dialog from the Runs menu.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, seriousViolations } from './a11y-axe.ts';
import { browserAvailable, screenshot, signIn, type RunningServer } from './harness.ts';
import { editorSession } from './session.ts';

describe.skipIf(!browserAvailable())('workflow settings in the editor', () => {
  // Wide enough for the toolbar's Settings button (below 1340 px it folds into the Runs menu).
  const session = editorSession({ width: 1440, height: 900 });
  let server: RunningServer;
  let page: Page;
  beforeAll(() => {
    ({ server, page } = session);
  });

  const settingsOf = async (id: string) => ((await (await page.request.get(`${server.url}/api/workflows/${id}`)).json()) as { settings: Record<string, unknown> }).settings;

  it('saves alert e-mails, concurrency and timeout, keeps them on a normal save, and shows them after a reload', async () => {
    await signIn(page, server.url);
    const res = await page.request.post(`${server.url}/api/workflows`, {
      data: { name: 'Settings demo', nodes: [{ id: 'start', type: 'trigger.manual', position: { x: 0, y: 100 }, config: {} }], edges: [] },
      headers: { origin: server.url },
    });
    const wf = (await res.json()) as { id: string };
    await page.goto(`${server.url}/#/workflows/${wf.id}`);

    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Workflow settings' });
    await dialog.getByRole('textbox', { name: 'Alert e-mail 1', exact: true }).fill('not-an-address');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => dialog.getByRole('textbox', { name: 'Alert e-mail 1', exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.locator('#alert-email-0-error').textContent()).toBe('must be an email address');
    // axe, in both schemes, with a fault shown (as test/e2e/accessibility.test.ts scans the other screens).
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const violations = await seriousViolations(page);
      expect(violations, describeViolations(`settings dialog (${scheme})`, violations)).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await settingsOf(wf.id)).toEqual({});

    await dialog.getByRole('textbox', { name: 'Alert e-mail 1', exact: true }).fill('ops@example.com');
    // Editing a field clears its fault.
    await expect.poll(() => dialog.locator('#alert-email-0-error').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Add e-mail' }).click();
    await dialog.getByRole('textbox', { name: 'Alert e-mail 2', exact: true }).fill('oncall@example.com');
    await dialog.getByLabel('On recovery (the first success after a failure alert)').uncheck();
    await dialog.getByLabel('Limit', { exact: true }).fill('3');
    await dialog.getByLabel('Timeout (seconds)', { exact: true }).fill('120');
    await screenshot(page, 'workflow-settings');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    const saved = { alerts: { email: ['ops@example.com', 'oncall@example.com'], onFailure: true, onRecovery: false }, concurrency: { limit: 3 }, timeoutSeconds: 120 };
    expect(await settingsOf(wf.id)).toEqual(saved);

    // The editor's own save sends no settings: they are kept.
    await page.getByRole('textbox', { name: 'Workflow name' }).fill('Settings demo renamed');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => ((await (await page.request.get(`${server.url}/api/workflows/${wf.id}`)).json()) as { name: string }).name).toBe('Settings demo renamed');
    expect(await settingsOf(wf.id)).toEqual(saved);

    await page.reload();
    await page.getByRole('button', { name: 'Settings' }).click();
    const again = page.getByRole('dialog', { name: 'Workflow settings' });
    expect(await again.getByRole('textbox', { name: 'Alert e-mail 1', exact: true }).inputValue()).toBe('ops@example.com');
    expect(await again.getByRole('textbox', { name: 'Alert e-mail 2', exact: true }).inputValue()).toBe('oncall@example.com');
    expect(await again.getByLabel('On recovery (the first success after a failure alert)').isChecked()).toBe(false);
    expect(await again.getByLabel('Limit', { exact: true }).inputValue()).toBe('3');
    expect(await again.getByLabel('Timeout (seconds)', { exact: true }).inputValue()).toBe('120');
    await again.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => again.count()).toBe(0);

    // A narrower window folds the Settings button away; the Runs menu opens the dialog instead.
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await page.getByRole('button', { name: 'Settings', exact: true }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Runs ▾' }).click();
    await page.getByRole('menuitem', { name: 'Workflow settings…' }).click();
    expect(await page.getByRole('dialog', { name: 'Workflow settings' }).getByLabel('Limit', { exact: true }).inputValue()).toBe('3');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog', { name: 'Workflow settings' }).count()).toBe(0);
    await page.setViewportSize({ width: 1440, height: 900 });
  }, 120_000);
});
