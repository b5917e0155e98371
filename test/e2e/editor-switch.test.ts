/**
 * Browser test of `logic.switch` in the editor: cases added and named in the panel become the
 * node's outputs, each built with the condition builder; renaming a connected case flags its edge
 * (kept on screen as a struck-out output) and the problem; a run routes by the first match; and
 * auto-layout keeps an If's and a switch's branches in their handles' order.
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, dragConnect, screenshot, signIn, type RunningServer, type Sink } from './harness.ts';
import { editorSession } from './session.ts';

describe.skipIf(!browserAvailable())('a switch in the editor', () => {
  const session = editorSession();
  let server: RunningServer;
  let sink: Sink;
  let page: Page;
  beforeAll(() => void ({ server, sink, page } = session));

  const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
  const outputs = (id: string) => node(id).locator('.wf-out-label').allTextContents();
  const text = async (l: Locator) => (await l.textContent()) ?? '';

  const connect = (from: Locator, to: Locator) => dragConnect(page, from, to);

  /** Case `i` (0-based): its name, then one builder row `value = compared`. */
  async function fillCase(i: number, name: string, value: string, compared: string) {
    await page.getByLabel(`Name of case ${i + 1}`).fill(name);
    const row = page.locator(`li[data-case="${i}"]`);
    await row.getByLabel('Condition 1 value', { exact: true }).fill(value);
    await row.getByLabel('Condition 1 compared with', { exact: true }).fill(compared);
  }

  it(
    'cases become outputs, a renamed case flags its edge, and a run takes the first matching case',
    async () => {
      await signIn(page, server.url);
      const res = await page.request.post(`${server.url}/api/workflows`, {
        data: {
          name: 'Tiers',
          nodes: [
            { id: 'start', type: 'trigger.manual', position: { x: 0, y: 100 }, config: { samplePayload: { tier: 'silver' } } },
            { id: 'route', type: 'logic.switch', position: { x: 320, y: 100 }, config: {} },
            { id: 'gold', type: 'action.http', position: { x: 700, y: 0 }, config: { method: 'POST', url: `${sink.url}/gold` } },
            { id: 'silver', type: 'action.http', position: { x: 700, y: 220 }, config: { method: 'POST', url: `${sink.url}/silver` } },
          ],
          edges: [{ id: 'in', source: 'start', target: 'route' }],
        },
        headers: { origin: server.url },
      });
      const wf = (await res.json()) as { id: string };
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('route').click();
      expect(await outputs('route')).toEqual(['fallback']);

      await page.getByRole('button', { name: '+ Add case' }).click();
      await page.getByRole('button', { name: '+ Add case' }).click();
      await expect.poll(() => outputs('route')).toEqual(['case 1', 'case 2', 'fallback']);
      await fillCase(0, 'gold', 'steps.start.tier', 'gold');
      await fillCase(1, 'silver', 'steps.start.tier', 'silver');
      await expect.poll(() => outputs('route')).toEqual(['gold', 'silver', 'fallback']);

      await page.getByRole('button', { name: /fit view/i }).first().click(); // the panel may cover the targets
      await page.waitForTimeout(400); // the fit-view animation
      await connect(node('route').locator('.react-flow__handle[data-handleid="gold"]'), node('gold').locator('.react-flow__handle.target'));
      await connect(node('route').locator('.react-flow__handle[data-handleid="silver"]'), node('silver').locator('.react-flow__handle.target'));
      await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(3);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      const saved = async () =>
        ((await (await page.request.get(`${server.url}/api/workflows/${wf.id}`)).json()) as { nodes: { id: string; config: { cases?: unknown } }[]; edges: { sourceHandle?: string; target: string }[] });
      await expect.poll(async () => (await saved()).edges.map((e) => `${e.sourceHandle ?? ''}>${e.target}`).sort()).toEqual(['>route', 'gold>gold', 'silver>silver']);
      expect((await saved()).nodes.find((n) => n.id === 'route')!.config.cases).toEqual([
        { name: 'gold', condition: 'steps.start.tier = "gold"' },
        { name: 'silver', condition: 'steps.start.tier = "silver"' },
      ]);

      // Run with the sample payload (tier silver): only the silver branch calls out.
      await page.getByRole('button', { name: '▶ Run' }).click();
      await sink.waitFor((r) => r.url === '/silver', 20_000);
      await expect.poll(() => text(node('gold'))).toContain('Skipped');
      expect(sink.requests.some((r) => r.url === '/gold')).toBe(false);

      // Renaming a connected case leaves its edge on an output that is gone: marked, and a problem.
      await node('route').click();
      await page.getByLabel('Name of case 1').fill('platinum');
      await expect.poll(() => outputs('route')).toEqual(['platinum', 'silver', 'fallback', 'gold (removed)']);
      await page.locator('.react-flow__edge.edge-fault').first().waitFor({ state: 'attached' });
      await page.locator('.problems').click();
      await expect.poll(() => text(page.getByRole('list', { name: 'Problems' }))).toContain('output "gold" no longer exists');
      await screenshot(page, '10-switch-removed-case');
    },
    120_000,
  );

  it(
    'auto-layout lays a tree out left to right with each branch in its handle order: no crossing edges',
    async () => {
      await signIn(page, server.url);
      const here = { x: 0, y: 0 }; // every node on one spot: only the layout can sort them out
      const res = await page.request.post(`${server.url}/api/workflows`, {
        data: {
          name: 'Layout',
          nodes: [
            { id: 'start', type: 'trigger.manual', position: here, config: {} },
            { id: 'check', type: 'logic.if', position: here, config: { condition: 'input.a = 1' } },
            { id: 'yes', type: 'data.transform', position: here, config: { expression: 'input' } },
            { id: 'no', type: 'data.transform', position: here, config: { expression: 'input' } },
            { id: 'route', type: 'logic.switch', position: here, config: { cases: [{ name: 'a', condition: 'true' }, { name: 'b', condition: 'true' }, { name: 'c', condition: 'true' }] } },
            ...['A', 'B', 'C', 'F'].map((id) => ({ id, type: 'data.transform', position: here, config: { expression: 'input' } })),
          ],
          // Listed against their order on purpose.
          edges: [
            { id: 'e1', source: 'start', target: 'check' },
            { id: 'e2', source: 'check', sourceHandle: 'false', target: 'no' },
            { id: 'e3', source: 'check', sourceHandle: 'true', target: 'yes' },
            { id: 'e4', source: 'no', target: 'route' },
            { id: 'e5', source: 'route', sourceHandle: 'fallback', target: 'F' },
            { id: 'e6', source: 'route', sourceHandle: 'c', target: 'C' },
            { id: 'e7', source: 'route', sourceHandle: 'a', target: 'A' },
            { id: 'e8', source: 'route', sourceHandle: 'b', target: 'B' },
          ],
        },
        headers: { origin: server.url },
      });
      const wf = (await res.json()) as { id: string };
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('F').waitFor();
      await page.getByRole('button', { name: 'Auto-layout' }).click();
      await page.waitForTimeout(500); // the fit-view animation after the layout
      const box = async (id: string) => (await node(id).boundingBox())!;
      const centre = async (id: string) => {
        const b = await box(id);
        return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
      };
      const at: Record<string, { x: number; y: number }> = {};
      for (const id of ['start', 'check', 'yes', 'no', 'route', 'A', 'B', 'C', 'F']) at[id] = await centre(id);
      expect(at.start!.x).toBeLessThan(at.check!.x);
      expect(at.check!.x).toBeLessThan(at.no!.x);
      expect(at.no!.x).toBeLessThan(at.route!.x);
      expect(at.route!.x).toBeLessThan(at.A!.x);
      expect(at.yes!.y).toBeLessThan(at.no!.y);
      expect([at.A!.y, at.B!.y, at.C!.y, at.F!.y]).toEqual([at.A!.y, at.B!.y, at.C!.y, at.F!.y].sort((p, q) => p - q));
      // No two nodes overlap.
      const boxes = await Promise.all(Object.keys(at).map(box));
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const [p, q] = [boxes[i]!, boxes[j]!];
          expect(p.x + p.width <= q.x || q.x + q.width <= p.x || p.y + p.height <= q.y || q.y + q.height <= p.y).toBe(true);
        }
      await screenshot(page, '11-auto-layout');
    },
    120_000,
  );
});
