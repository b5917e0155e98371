/**
 * Accessibility in the browser (issue 15): axe-core finds no serious or critical violation on the
 * main screens, in the light and the dark colour scheme.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeViolations, seriousViolations } from './a11y-axe.ts';
import { browserAvailable, screenshot, signIn, type RunningServer, type Sink } from './harness.ts';
import { editorSession } from './session.ts';

const E2E_TIMEOUT = 180_000;

describe.skipIf(!browserAvailable())('accessibility', () => {
  const session = editorSession();
  let server: RunningServer;
  let sink: Sink;
  let page: Page;
  beforeAll(() => void ({ server, sink, page } = session));

  const post = async (path: string, data: unknown) => {
    const r = await page.request.post(`${server.url}${path}`, { data, headers: { origin: server.url } });
    expect(r.status(), `${path}: ${await r.text()}`).toBeLessThan(300);
    return (await r.json()) as Record<string, unknown>;
  };

  it(
    'axe finds no serious or critical violation on the main screens, light and dark',
    async () => {
      await signIn(page, server.url);
      const found: string[] = [];
      let scanned = 0;
      const scan = async (where: string) => {
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(scheme === 'dark');
          const violations = await seriousViolations(page);
          if (violations.length) found.push(describeViolations(`${where} (${scheme})`, violations));
          scanned++;
        }
        await page.emulateMedia({ colorScheme: 'light' });
      };

      await page.getByRole('heading', { name: 'Workflows', exact: true }).waitFor();
      await scan('workflows, empty');

      const runs = await post('/api/workflows', {
        name: 'Order alerts',
        nodes: [
          { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
          { id: 'notify', type: 'action.http', position: { x: 320, y: 0 }, config: { method: 'POST', url: `${sink.url}/orders`, body: { ok: true } } },
          { id: 'mail', type: 'action.email', position: { x: 640, y: 0 }, config: { from: 'bot@example.com', to: 'ops@example.com', subject: 'Order', text: 'A new order' } },
        ],
        edges: [
          { id: 'a', source: 'start', target: 'notify' },
          { id: 'b', source: 'notify', target: 'mail' },
        ],
      });
      const run = await post(`/api/workflows/${runs.id as string}/run`, { payload: { order: 1 } });
      await sink.waitFor((r) => r.url === '/orders');
      await page.reload();
      await page.locator('tbody tr').first().waitFor();
      await scan('workflows, one workflow');

      const faulty = await post('/api/workflows', {
        name: 'Needs work',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: {} },
          { id: 'check', type: 'logic.if', position: { x: 320, y: 0 }, config: { condition: 'input.body.ok = true' } },
          { id: 'call', type: 'action.http', position: { x: 640, y: -80 }, config: { method: 'GET', url: '' } },
        ],
        edges: [
          { id: 'a', source: 'hook', target: 'check' },
          { id: 'b', source: 'check', target: 'call', sourceHandle: 'true' },
        ],
      });
      await page.goto(`${server.url}/#/workflows/${faulty.id as string}`);
      await page.locator('.react-flow__node[data-id="call"]').click();
      await page.getByRole('button', { name: /problem/ }).click();
      await page.getByRole('list', { name: 'Problems' }).waitFor();
      await scan('editor: nodes, one selected with its panel open, the problems list open');
      await page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(page, 'a11y-editor-dark');
      await page.emulateMedia({ colorScheme: 'light' });
      await page.getByRole('button', { name: 'Run options' }).click();
      await page.getByRole('menu', { name: 'Run with' }).waitFor();
      await scan('editor: the Run menu open');
      await page.getByRole('button', { name: 'Run options' }).click();
      await expect.poll(() => page.getByRole('menu').count()).toBe(0);
      await page.getByRole('button', { name: 'Add a step after the false output of If' }).click();
      const picker = page.getByRole('dialog', { name: 'Add a step' });
      await picker.waitFor();
      await scan('editor: the step picker open');
      await page.keyboard.press('Escape');
      await expect.poll(() => picker.count()).toBe(0);

      // A workflow that ran: the statuses on the nodes, the Data tab's input and output.
      await page.goto(`${server.url}/#/workflows/${runs.id as string}`);
      await page.locator('.react-flow__node[data-id="notify"]').getByLabel('Last run: Succeeded').waitFor();
      await page.locator('.react-flow__node[data-id="notify"]').click();
      await page.getByRole('tab', { name: /^Data/ }).click();
      await page.getByRole('tabpanel', { name: 'Data' }).waitFor();
      await scan('editor: after a run, the Data tab');

      await page.goto(`${server.url}/#/executions`);
      await page.locator('tbody tr').first().waitFor();
      await scan('executions');
      await page.goto(`${server.url}/#/executions/${run.executionId as string}`);
      await page.getByText('notify').first().waitFor();
      await scan('execution detail');

      await post('/api/credentials', { name: 'CRM token', type: 'httpBearer', data: { token: 'secret-token' } });
      await page.goto(`${server.url}/#/credentials`);
      await page.getByRole('cell', { name: 'CRM token', exact: true }).waitFor();
      await page.getByRole('button', { name: '+ New credential' }).click();
      await page.getByRole('dialog').waitFor();
      await scan('credentials, form open');
      await page.keyboard.press('Escape');

      await page.goto(`${server.url}/#/outbox`);
      await page.getByText('Order', { exact: true }).first().waitFor();
      await scan('outbox');
      await page.goto(`${server.url}/#/api-keys`);
      await page.getByRole('heading', { name: 'API keys', exact: true }).waitFor();
      await scan('API keys');

      expect(scanned, 'screens scanned, each in both schemes').toBe(22);
      expect(found, `axe found serious or critical violations:\n${found.join('\n')}`).toEqual([]);
    },
    E2E_TIMEOUT,
  );
});
