/**
 * Browser tests (issue 15): the webhook panel and the data picker show one sample, labelled with
 * where it came from (a captured test event or a run), whichever is newer; and the editor's
 * stylesheets arrive only with the editor; an email body gets the data picker.
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, signIn, type RunningServer, type Sink } from './harness.ts';
import { editorSession } from './session.ts';

const E2E_TIMEOUT = 120_000;

describe.skipIf(!browserAvailable())('samples and stylesheets in the browser', () => {
  const session = editorSession();
  let server: RunningServer;
  let sink: Sink;
  let page: Page;
  beforeAll(() => void ({ server, sink, page } = session));

  const text = async (l: Locator) => (await l.textContent()) ?? '';
  const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
  const api = async (path: string, data?: unknown) => {
    const r = data === undefined ? await page.request.get(`${server.url}${path}`) : await page.request.post(`${server.url}${path}`, { data, headers: { origin: server.url } });
    return (await r.json()) as Record<string, unknown>;
  };
  const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** Whether any loaded stylesheet has a rule for the canvas's nodes. */
  const editorRulesLoaded = () =>
    page.evaluate(() => [...document.styleSheets].some((sheet) => [...sheet.cssRules].some((r) => r instanceof CSSStyleRule && r.selectorText.includes('.wf-node'))));

  it(
    'the webhook panel and the data picker show the same sample, and say where it came from',
    async () => {
      await signIn(page, server.url);
      const wf = (await api('/api/workflows', {
        name: 'One sample',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: {} },
          { id: 'call', type: 'action.http', position: { x: 320, y: 0 }, config: { method: 'POST', url: `${sink.url}/in` } },
        ],
        edges: [{ id: 'e', source: 'hook', target: 'call' }],
      })) as { id: string };
      const listen = (await api(`/api/workflows/${wf.id}/nodes/hook/listen`, {})) as { url: string };
      expect((await post(listen.url, { plan: 'from-the-test-event' })).status).toBeLessThan(300);

      // A real event after the test event: the newer data is what both places show.
      const active = (await api(`/api/workflows/${wf.id}/activate`, {})) as { triggers: { url?: string }[] };
      const hookUrl = active.triggers[0]?.url;
      expect(hookUrl).toBeTruthy();
      const accepted = (await (await post(hookUrl!, { plan: 'from-a-real-event' })).json()) as { executionId: string };
      await expect.poll(async () => (await api(`/api/executions/${accepted.executionId}`)).status, { timeout: 20_000 }).toBe('success');

      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('hook').click();
      const panelSource = page.getByTestId('webhook-sample-source');
      await expect.poll(() => text(panelSource), { timeout: 10_000 }).toContain(`From run ${accepted.executionId}`);
      expect(await text(page.getByTestId('webhook-sample'))).toContain('from-a-real-event');
      expect(await text(page.getByTestId('webhook-sample'))).not.toContain('from-the-test-event');

      const pickerShows = async () => {
        await node('call').click();
        await page.getByRole('button', { name: 'Insert data into URL' }).click();
        const picker = page.getByRole('dialog', { name: 'Data for URL' });
        const shown = { origin: await text(picker.getByTestId('picker-origin-hook')), plan: await text(picker.locator('li', { has: page.getByRole('button', { name: 'steps.hook.body.plan', exact: true }) })) };
        await picker.getByRole('button', { name: 'Close data picker' }).click();
        return shown;
      };
      const fromRun = await pickerShows();
      expect(fromRun.origin).toContain(`From run ${accepted.executionId}`);
      expect(fromRun.plan).toContain('from-a-real-event');

      // A new test event, captured from the panel, is newer still: both switch to it together.
      // (Deactivated first: on an active workflow the event would also run, and that run be newest.)
      await api(`/api/workflows/${wf.id}/deactivate`, {});
      await node('hook').click();
      await page.getByRole('button', { name: 'Listen for another test event' }).click();
      const again = (await api(`/api/workflows/${wf.id}/nodes/hook/listen`, {})) as { url: string };
      expect((await post(again.url, { plan: 'from-a-second-test-event' })).status).toBeLessThan(300);
      await expect.poll(() => text(panelSource), { timeout: 15_000 }).toContain('Test event, captured');
      expect(await text(page.getByTestId('webhook-sample'))).toContain('from-a-second-test-event');
      const fromTest = await pickerShows();
      expect(fromTest.origin).toContain('Test event, captured');
      expect(fromTest.plan).toContain('from-a-second-test-event');
    },
    E2E_TIMEOUT,
  );

  it(
    "an email's text body gets the data picker and a live preview, and the sent mail carries the picked value",
    async () => {
      await signIn(page, server.url);
      const wf = (await api('/api/workflows', {
        name: 'Mail body',
        nodes: [
          { id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: { samplePayload: { customer: 'Grace Hopper' } } },
          { id: 'mail', type: 'action.email', position: { x: 320, y: 0 }, config: { to: 'ops@example.com', subject: 'Hello' } },
        ],
        edges: [{ id: 'e', source: 'start', target: 'mail' }],
      })) as { id: string };
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('mail').click();
      const body = page.getByLabel('Text body', { exact: true });
      expect(await body.evaluate((el) => el.tagName)).toBe('TEXTAREA');
      await body.fill('Dear ');
      await page.getByRole('button', { name: 'Insert data into Text body' }).click();
      await page.getByRole('dialog', { name: 'Data for Text body' }).getByRole('button', { name: 'steps.start.customer', exact: true }).click();
      expect(await body.inputValue()).toBe('Dear {{ steps.start.customer }}');
      await expect.poll(() => text(page.getByLabel('Preview of Text body'))).toContain('Dear Grace Hopper');

      await page.getByRole('button', { name: '▶ Run' }).click();
      await expect
        .poll(async () => JSON.stringify(await api('/api/outbox?limit=5')), { timeout: 20_000 })
        .toContain('Dear Grace Hopper');
    },
    E2E_TIMEOUT,
  );

  it(
    "a poll's URL gets the picker's built-ins and a live preview, and the poll sends the resolved URL",
    async () => {
      await signIn(page, server.url);
      const wf = (await api('/api/workflows', {
        name: 'Poll since',
        nodes: [{ id: 'feed', type: 'trigger.poll', position: { x: 0, y: 0 }, config: { request: { method: 'GET', url: `${sink.url}/feed?since=` }, intervalSeconds: 60, items: 'body', key: 'id' } }],
        edges: [],
      })) as { id: string };
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('feed').click();
      const url = page.getByLabel('URL', { exact: true });
      await url.click();
      await url.press('End');
      await page.getByRole('button', { name: 'Insert data into URL' }).click();
      const picker = page.getByRole('dialog', { name: 'Data for URL' });
      await picker.getByRole('button', { name: 'now', exact: true }).click();
      expect(await url.inputValue()).toBe(`${sink.url}/feed?since={{ now }}`);
      await expect.poll(() => text(page.getByLabel('Preview of URL'))).toMatch(new RegExp(`/feed\\?since=${new Date().getUTCFullYear()}-`));
      // Items and key read the fetched response: no picker there.
      expect(await page.getByRole('button', { name: 'Insert data into Items (JSONata)' }).count()).toBe(0);

      await page.getByRole('button', { name: 'Test poll' }).click();
      const got = await sink.waitFor((r) => r.url.startsWith('/feed?since='), 15_000);
      expect(decodeURIComponent(got.url)).toMatch(/^\/feed\?since=\d{4}-\d\d-\d\dT/);
    },
    E2E_TIMEOUT,
  );

  it(
    'opening a workflow fits every node inside the canvas, none under the side columns',
    async () => {
      await signIn(page, server.url);
      const wf = (await api('/api/workflows', {
        name: 'Wide',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', position: { x: 0, y: 0 }, config: {} },
          { id: 'check', type: 'logic.if', position: { x: 320, y: 0 }, config: { condition: 'input.body.ok = true' } },
          { id: 'far', type: 'data.transform', position: { x: 900, y: 200 }, config: { expression: 'input' } },
        ],
        edges: [{ id: 'a', source: 'hook', target: 'check' }, { id: 'b', source: 'check', sourceHandle: 'true', target: 'far' }],
      })) as { id: string };
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('far').waitFor();
      const canvas = (await page.locator('.canvas').boundingBox())!;
      for (const id of ['hook', 'check', 'far']) {
        const b = (await node(id).boundingBox())!;
        expect(b.x >= canvas.x && b.x + b.width <= canvas.x + canvas.width, `${id} within the canvas`).toBe(true);
      }
    },
    E2E_TIMEOUT,
  );

  it(
    "the editor's stylesheets load with the editor, not with the other pages",
    async () => {
      await page.goto(`${server.url}/`);
      await signIn(page, server.url);
      await page.getByRole('heading', { name: 'Workflows' }).waitFor();
      expect(await editorRulesLoaded()).toBe(false);
      await page.goto(`${server.url}/#/executions`);
      await page.getByRole('heading', { name: 'Executions' }).waitFor();
      expect(await editorRulesLoaded()).toBe(false);

      const wf = (await api('/api/workflows', { name: 'Styled', nodes: [{ id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} }], edges: [] })) as { id: string };
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('start').waitFor();
      expect(await editorRulesLoaded()).toBe(true);
    },
    E2E_TIMEOUT,
  );
});
