/**
 * Accessibility in the browser (issue 15): axe-core finds no serious or critical violation on the
 * main screens, in the light and the dark colour scheme; and the editor works from the keyboard.
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
      await page.getByRole('button', { name: '+ New workflow' }).click();
      const dialog = page.getByRole('dialog', { name: 'New workflow' });
      await dialog.waitFor();
      // The dialog takes focus (its first field) and gives it back to its button when it closes.
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
      await scan('workflows, the new-workflow dialog with its templates');
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.count()).toBe(0);
      expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('+ New workflow');

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

      // axe does not check non-text contrast (WCAG 1.4.11): the Active switch, off, against the bar.
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        const ratio = await page.evaluate(() => {
          for (const a of document.getAnimations()) a.finish(); // the scheme switch's colour transitions
          const rgb = (el: Element) => getComputedStyle(el).backgroundColor.match(/[\d.]+/g)!.slice(0, 3).map(Number);
          const lum = ([r, g, b]: number[]) =>
            [r!, g!, b!].map((c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)).reduce((s, c, i) => s + c * [0.2126, 0.7152, 0.0722][i]!, 0);
          const [a, b] = [lum(rgb(document.querySelector('.editor-bar .switch:not(.on)')!)), lum(rgb(document.querySelector('.editor-bar')!))];
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        });
        expect(ratio, `the off switch against the bar (${scheme})`).toBeGreaterThanOrEqual(3);
      }
      await page.emulateMedia({ colorScheme: 'light' });
      await page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(page, 'a11y-editor-dark');
      await page.emulateMedia({ colorScheme: 'light' });
      // The problems list from the keyboard: Escape closes it onto its button; a picked problem focuses its node.
      const problems = page.getByRole('list', { name: 'Problems' });
      await page.getByRole('button', { name: /problem/ }).focus();
      await page.keyboard.press('Escape');
      await expect.poll(() => problems.count()).toBe(0);
      expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/2 problems/);
      await page.keyboard.press('Enter');
      await problems.waitFor();
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-id'))).toBe('call');
      await expect.poll(() => problems.count()).toBe(0);
      await page.getByRole('button', { name: 'Run options' }).click();
      await page.getByRole('menu', { name: 'Run with' }).waitFor();
      await scan('editor: the Run menu open');
      await page.keyboard.press('Escape');
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
      // The panel may cover the last node: fit the view first, as a person would, and let it settle.
      await page.getByRole('button', { name: 'Fit view', exact: true }).click();
      await page.waitForTimeout(400);
      await page.locator('.react-flow__node[data-id="mail"]').click();
      await page.getByRole('button', { name: 'Insert data into Subject' }).click();
      await page.getByRole('dialog', { name: 'Data for Subject' }).getByRole('button', { name: 'steps.notify.status', exact: true }).waitFor();
      await scan('editor: the data picker open');

      // The same run on the canvas, read-only, from the execution page's link.
      await page.goto(`${server.url}/#/workflows/${runs.id as string}?execution=${run.executionId as string}`);
      await page.getByRole('region', { name: 'Viewing a past execution' }).waitFor();
      await scan('editor: a past execution viewed on the canvas');

      // A switch's cases, a schedule's modes, a poll's request and Test poll.
      const more = await post('/api/workflows', {
        name: 'Panels',
        nodes: [
          { id: 'tick', type: 'trigger.schedule', position: { x: 0, y: 0 }, config: { cron: '*/5 * * * *', timezone: 'UTC' } },
          { id: 'route', type: 'logic.switch', position: { x: 320, y: 0 }, config: { cases: [{ name: 'big', condition: 'input.n > 10' }, { name: 'odd', condition: '$not(input.n % 2 = 0)' }] } },
        ],
        edges: [{ id: 'e', source: 'tick', target: 'route' }],
      });
      await page.goto(`${server.url}/#/workflows/${more.id as string}`);
      await page.locator('.react-flow__node[data-id="route"]').click();
      await page.getByLabel('Name of case 1').waitFor();
      await scan("editor: a switch's cases");
      await page.locator('.react-flow__node[data-id="tick"]').click();
      await scan("editor: a schedule's panel");
      const poll = await post('/api/workflows', {
        name: 'Poll panel',
        nodes: [{ id: 'feed', type: 'trigger.poll', position: { x: 0, y: 0 }, config: { request: { method: 'GET', url: `${server.url}/api/health` }, intervalSeconds: 60, items: 'body', key: 'id' } }],
        edges: [],
      });
      await page.goto(`${server.url}/#/workflows/${poll.id as string}`);
      await page.locator('.react-flow__node[data-id="feed"]').click();
      await page.getByRole('button', { name: 'Test poll' }).waitFor();
      await scan("editor: a poll's panel");

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

      await post('/api/variables', { name: 'API_BASE', value: 'https://api.example.com' });
      await post('/api/variables', { name: 'TOKEN', value: 'secret-var-value', secret: true });
      await page.goto(`${server.url}/#/variables`);
      await page.getByRole('cell', { name: 'API_BASE', exact: true }).waitFor();
      await page.getByRole('button', { name: '+ New variable' }).click();
      await page.getByRole('dialog').waitFor();
      await scan('variables, form open');
      await page.keyboard.press('Escape');

      await page.goto(`${server.url}/#/outbox`);
      await page.getByText('Order', { exact: true }).first().waitFor();
      await scan('outbox');
      await page.goto(`${server.url}/#/api-keys`);
      await page.getByRole('heading', { name: 'API keys', exact: true }).waitFor();
      await scan('API keys');
      // By now the log holds sign-ins, workflows and a credential: a full table, then a filtered one.
      await page.goto(`${server.url}/#/audit`);
      await page.locator('.audit-table tbody tr').first().waitFor();
      await scan('audit log');
      await page.goto(`${server.url}/#/audit?action=${encodeURIComponent('workflow.*')}`);
      await page.locator('.audit-table tbody tr').first().waitFor();
      await scan('audit log, filtered');

      expect(scanned, 'screens scanned, each in both schemes').toBe(40);
      expect(found, `axe found serious or critical violations:\n${found.join('\n')}`).toEqual([]);
    },
    E2E_TIMEOUT,
  );
  it(
    'works from the keyboard: Tab to a node, select, move (saved, undone), delete and undo, the step picker, tabs, the Run menu, the palette column',
    async () => {
      await signIn(page, server.url);
      await page.emulateMedia({ colorScheme: 'light' });
      const wf = await post('/api/workflows', {
        name: 'Keyboard only',
        nodes: [
          { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
          { id: 'call', type: 'action.http', position: { x: 320, y: 0 }, config: { method: 'GET', url: `${sink.url}/k` } },
          { id: 'shape', type: 'data.transform', position: { x: 640, y: 0 }, config: { expression: 'input' } },
        ],
        edges: [
          { id: 'a', source: 'start', target: 'call' },
          { id: 'b', source: 'call', target: 'shape' },
        ],
      });
      await page.goto(`${server.url}/#/workflows/${wf.id as string}`);
      const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
      await node('shape').waitFor();
      const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim() ?? '');
      /** Presses Tab (Shift+Tab when `back`) until the focused element matches `selector`; fails listing where focus went. */
      const tabTo = async (selector: string, back = false) => {
        const path: string[] = [];
        for (let i = 0; i < 60; i++) {
          await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
          if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
          path.push(await focused());
        }
        throw new Error(`Tab never reached ${selector}; focus went: ${path.join(' → ')}`);
      };
      /** The focus ring: a solid outline, on the element or (for a canvas node) on its card. */
      const ring = () =>
        page.evaluate(() => {
          const el = document.activeElement!;
          const card = el.matches('.react-flow__node') ? el.querySelector('.wf-node')! : el;
          const st = getComputedStyle(card);
          return `${st.outlineStyle} ${st.outlineWidth}`;
        });
      const translate = (id: string) => node(id).evaluate((el) => (el as HTMLElement).style.transform);

      // Tab reaches the canvas's nodes; the focused one shows a ring; Enter selects it and opens its panel.
      await tabTo('.react-flow__node[data-id="call"]');
      expect(await ring()).toBe('solid 2px');
      await page.keyboard.press('Enter');
      await screenshot(page, 'a11y-keyboard-node-focused');
      await expect.poll(() => node('call').getAttribute('class')).toContain('selected');
      expect(await page.locator('.node-panel').getByLabel('Node name').isVisible()).toBe(true);

      // Arrows move it (5 px a press, 20 with Shift); saved with Ctrl+S, the draft has the new position.
      const before = await translate('call');
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Shift+ArrowDown');
      await expect.poll(() => translate('call')).toBe('translate(335px, 20px)');
      expect(before).toBe('translate(320px, 0px)');
      await page.keyboard.press('Control+s');
      await expect.poll(() => page.locator('.save-state').textContent()).toBe('Saved · v2');
      const saved = (await (await page.request.get(`${server.url}/api/workflows/${wf.id as string}`)).json()) as { nodes: { id: string; position: unknown }[] };
      expect(saved.nodes.find((n) => n.id === 'call')!.position).toEqual({ x: 335, y: 20 });

      // Another node: Tab to it, select it, Delete removes it (and its edge); Ctrl+Z brings both back, a second undoes the move.
      await tabTo('.react-flow__node[data-id="shape"]');
      await page.keyboard.press('Enter');
      await expect.poll(() => node('shape').getAttribute('class')).toContain('selected');
      await page.keyboard.press('Delete');
      await expect.poll(() => node('shape').count()).toBe(0);
      expect(await node('call').count()).toBe(1);
      await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);
      await page.keyboard.press('Control+z');
      await node('shape').waitFor();
      await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
      await page.keyboard.press('Control+z');
      await expect.poll(() => translate('call')).toBe('translate(320px, 0px)');
      await page.keyboard.press('Control+Shift+z');
      await expect.poll(() => translate('call')).toBe('translate(335px, 20px)');

      // The "+" on a free output: Enter opens the step picker on its search field; Escape gives focus
      // back to the "+"; a step picked from the keyboard is added, connected, and takes the focus.
      await tabTo('[aria-label="Add a step after Transform"]');
      await page.keyboard.press('Enter');
      const picker = page.getByRole('dialog', { name: 'Add a step' });
      await picker.waitFor();
      expect(await focused()).toBe('Search steps');
      await page.keyboard.press('Escape');
      await expect.poll(() => picker.count()).toBe(0);
      expect(await focused()).toBe('Add a step after Transform');
      await page.keyboard.press('Enter');
      await page.keyboard.type('Delay');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await node('delay').waitFor();
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-id'))).toBe('delay');
      await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(3);

      // The node panel's tabs: one tab stop, the arrows switch tabs.
      await tabTo('[role="tab"][aria-selected="true"]');
      expect(await focused()).toBe('Settings');
      await page.keyboard.press('ArrowRight');
      await page.getByRole('tabpanel', { name: 'Data' }).waitFor();
      expect(await focused()).toBe('Data');

      // The Run menu: Enter opens it on its first item, the arrows move, Escape closes it with focus back on its button.
      await tabTo('[aria-label="Run options"]', true);
      expect(await ring()).toBe('solid 2px');
      await page.keyboard.press('Enter');
      const menu = page.getByRole('menu', { name: 'Run with' });
      await menu.waitFor();
      expect(await focused()).toBe('Run with the sample');
      await page.keyboard.press('ArrowDown');
      expect(await focused()).toBe('Run with the latest real event');
      await page.keyboard.press('Escape');
      await expect.poll(() => menu.count()).toBe(0);
      expect(await focused()).toBe('Run options');

      // A dialog keeps Tab inside itself both ways, and Escape gives focus back to what opened it.
      await page.keyboard.press('Enter');
      await menu.waitFor();
      await page.keyboard.press('End');
      expect(await focused()).toBe('Run with custom JSON…');
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Run with custom JSON' });
      await dialog.waitFor();
      const inDialog = () => page.evaluate(() => Boolean(document.activeElement?.closest('[role="dialog"]')));
      for (let i = 0; i < 8; i++) {
        await page.keyboard.press('Tab');
        expect(await inDialog(), `Tab ${i + 1} left the dialog`).toBe(true);
      }
      for (let i = 0; i < 8; i++) {
        await page.keyboard.press('Shift+Tab');
        expect(await inDialog(), `Shift+Tab ${i + 1} left the dialog`).toBe(true);
      }
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.count()).toBe(0);
      expect(await focused()).toBe('Run options');

      // The palette column folds and unfolds from its toggle, which keeps focus.
      await tabTo('[aria-label="Hide the node palette"]');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByRole('navigation', { name: 'Node palette' }).count()).toBe(0);
      expect(await focused()).toBe('Show the node palette');
      await page.keyboard.press('Space');
      await page.getByRole('navigation', { name: 'Node palette' }).waitFor();
      expect(await focused()).toBe('Hide the node palette');
    },
    E2E_TIMEOUT,
  );
});
