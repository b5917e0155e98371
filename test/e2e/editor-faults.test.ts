/**
 * Browser tests of the editor's faults and drafts (issue 15): a broken expression refused on save
 * of an active workflow (then saved as a draft on request), half-typed JSON kept across a tab
 * switch, the data a schedule trigger offers before it ever ran, Run's choice of event, the data
 * picker in header and body fields, and a template used, run, exported and imported by paste.
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, screenshot, signIn, type RunningServer, type Sink } from './harness.ts';
import { editorSession } from './session.ts';

const E2E_TIMEOUT = 120_000;

describe.skipIf(!browserAvailable())('editor faults and drafts in the browser', () => {
  const session = editorSession();
  let server: RunningServer;
  let sink: Sink;
  let page: Page;
  beforeAll(() => void ({ server, sink, page } = session));

  const text = async (l: Locator) => (await l.textContent()) ?? '';
  const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
  const at = { x: 0, y: 0 };
  /** Captures `body` as the webhook node `hook`'s test event, as "Listen for a test event" does. */
  const captureTestEvent = async (workflowId: string, body: unknown) => {
    const listen = (await (await page.request.post(`${server.url}/api/workflows/${workflowId}/nodes/hook/listen`, { data: {}, headers: { origin: server.url } })).json()) as { url: string };
    const r = await fetch(listen.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBeLessThan(300);
  };
  /** Run ▾ → "Run with custom JSON…" with `payload`; `inspect` sees the open menu first. */
  const runWithCustomJson = async (payload: unknown, inspect?: (menu: Locator) => Promise<void>) => {
    await page.getByRole('button', { name: 'Run options' }).click();
    const menu = page.getByRole('menu', { name: 'Run with' });
    await inspect?.(menu);
    await menu.getByRole('menuitem', { name: 'Run with custom JSON…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run with custom JSON' });
    await dialog.getByLabel("The trigger's output for this run").fill(JSON.stringify(payload));
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
  };
  const create = async (doc: unknown) => (await (await page.request.post(`${server.url}/api/workflows`, { data: doc, headers: { origin: server.url } })).json()) as { id: string; version: number };

  it(
    'a broken expression is a problem: saving an active workflow is refused, then saved as a draft on request',
    async () => {
      await signIn(page, server.url);
      const api = (path: string, data?: unknown) =>
        data === undefined ? page.request.get(`${server.url}${path}`) : page.request.post(`${server.url}${path}`, { data, headers: { origin: server.url } });
      const created = await api('/api/workflows', {
        name: 'Plans',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', position: at, config: {} },
          { id: 'pro', type: 'logic.if', position: { x: 300, y: 0 }, config: { condition: 'steps.hook.body.plan = "pro"' } },
        ],
        edges: [{ id: 'a', source: 'hook', target: 'pro' }],
      });
      const wf = (await created.json()) as { id: string; version: number };
      expect((await api(`/api/workflows/${wf.id}/activate`, {})).status()).toBe(200);
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('pro').click();
      await expect.poll(() => text(page.locator('.problems'))).toContain('Ready to activate');

      // JavaScript's == is not JSONata: the problems list, the field and the save all say so.
      await page.getByRole('button', { name: 'Edit as expression' }).click();
      await page.getByLabel('Condition', { exact: true }).fill('steps.hook.body.plan == "pro"');
      await expect.poll(() => text(page.locator('.problems')), { timeout: 10_000 }).toContain('1 problem');
      await expect.poll(() => text(page.locator(`[data-field="condition"]`))).toContain('JSONata compares with = and !=');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      const refused = page.getByRole('alert').filter({ hasText: 'Not saved: the active version keeps running' }).first();
      await refused.waitFor();
      const still = (await (await api(`/api/workflows/${wf.id}`)).json()) as { active: boolean; version: number; nodes: { config: { condition?: string } }[] };
      expect(still).toMatchObject({ active: true, version: wf.version });
      expect(still.nodes[1]!.config.condition).toBe('steps.hook.body.plan = "pro"');
      await screenshot(page, '4-broken-expression-refused');

      await refused.getByRole('button', { name: 'Save as draft and deactivate' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved as a draft' }).first().waitFor();
      const draft = (await (await api(`/api/workflows/${wf.id}`)).json()) as typeof still;
      expect(draft.active).toBe(false);
      expect(draft.nodes[1]!.config.condition).toBe('steps.hook.body.plan == "pro"');
      expect(await page.getByRole('switch', { name: 'Active' }).getAttribute('aria-checked')).toBe('false');
    },
    E2E_TIMEOUT,
  );

  it(
    'half-typed JSON survives a tab switch and another node, then saves once it parses',
    async () => {
      await signIn(page, server.url);
      const res = await page.request.post(`${server.url}/api/workflows`, {
        data: {
          name: 'Body draft',
          nodes: [
            { id: 'start', type: 'trigger.manual', position: at, config: {} },
            { id: 'call', type: 'action.http', position: { x: 320, y: 0 }, config: { method: 'POST', url: `${sink.url}/in`, body: { a: 1 } } },
          ],
          edges: [{ id: 'e', source: 'start', target: 'call' }],
        },
        headers: { origin: server.url },
      });
      const wf = (await res.json()) as { id: string };
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('call').click();
      const body = page.getByLabel('Body', { exact: true });
      const half = '{ "plan": "pro", ';
      await body.fill(half);
      await page.getByText('Not valid JSON yet', { exact: false }).waitFor();
      await page.getByRole('tab', { name: /Data/ }).click();
      await page.getByRole('tab', { name: /Settings/ }).click();
      expect(await body.inputValue()).toBe(half);
      await node('start').click();
      await node('call').click();
      expect(await body.inputValue()).toBe(half);
      await page.getByText('Not valid JSON yet', { exact: false }).waitFor();

      await body.fill('{ "plan": "pro" }');
      await expect.poll(() => page.getByText('Not valid JSON yet', { exact: false }).count()).toBe(0);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await expect
        .poll(async () => ((await (await page.request.get(`${server.url}/api/workflows/${wf.id}`)).json()) as { nodes: { config: { body?: unknown } }[] }).nodes[1]!.config.body)
        .toEqual({ plan: 'pro' });
    },
    E2E_TIMEOUT,
  );

  it(
    'a schedule that never ran offers its declared {scheduledAt, firedAt} to the picker and the preview',
    async () => {
      await signIn(page, server.url);
      const wf = await create({
        name: 'Nightly',
        nodes: [
          { id: 'tick', type: 'trigger.schedule', position: at, config: { cron: '0 2 * * *' } },
          { id: 'shape', type: 'data.transform', position: { x: 320, y: 0 }, config: { expression: '{ "at": steps.tick.scheduledAt }' } },
        ],
        edges: [{ id: 'e', source: 'tick', target: 'shape' }],
      });
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('shape').click();
      await expect.poll(() => text(page.getByLabel('Preview of Expression (JSONata)')), { timeout: 10_000 }).toMatch(/"at": ?"\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z"/);
      await page.getByRole('button', { name: 'Insert data into Expression (JSONata)' }).click();
      const picker = page.getByRole('dialog', { name: 'Data for Expression (JSONata)' });
      await picker.getByRole('button', { name: 'steps.tick.firedAt', exact: true }).waitFor();
      await picker.getByRole('button', { name: 'steps.tick.scheduledAt', exact: true }).waitFor();
    },
    E2E_TIMEOUT,
  );

  it(
    'Run uses the captured test event, refuses without one, and its menu runs the latest real event or custom JSON',
    async () => {
      await signIn(page, server.url);
      const wf = await create({
        name: 'Plans to sink',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', position: at, config: {} },
          { id: 'send', type: 'action.http', position: { x: 320, y: 0 }, config: { method: 'GET', url: `${sink.url}/run?plan={{ steps.hook.body.plan }}` } },
        ],
        edges: [{ id: 'e', source: 'hook', target: 'send' }],
      });
      const runs = () => sink.requests.filter((r) => r.url.startsWith('/run')).map((r) => r.url);
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('send').waitFor();

      // No test event yet: nothing runs, and it says what to do.
      await page.getByRole('button', { name: '▶ Run', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: 'No test event yet' }).first().waitFor();
      const listed = async () => ((await (await page.request.get(`${server.url}/api/executions?workflowId=${wf.id}`)).json()) as { items: unknown[] }).items.length;
      expect(await listed()).toBe(0);

      // Custom JSON, from the menu, which says that actions really run.
      await runWithCustomJson({ body: { plan: 'custom' } }, async (menu) => expect(await text(menu)).toContain('Actions really run'));
      await sink.waitFor((r) => r.url === '/run?plan=custom');

      // A captured test event is what the plain Run button uses.
      await captureTestEvent(wf.id, { plan: 'test' });
      await page.getByRole('button', { name: '▶ Run', exact: true }).click();
      await sink.waitFor((r) => r.url === '/run?plan=test');

      // The latest real event, on request only.
      expect((await page.request.post(`${server.url}/api/workflows/${wf.id}/activate`, { data: {}, headers: { origin: server.url } })).status()).toBe(200);
      const hookUrl = ((await (await page.request.get(`${server.url}/api/workflows/${wf.id}`)).json()) as { triggers: { url?: string }[] }).triggers[0]!.url!;
      expect((await fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"plan":"real"}' })).status).toBe(202);
      await sink.waitFor((r) => r.url === '/run?plan=real');
      await page.getByRole('button', { name: 'Run options' }).click();
      await page.getByRole('menu', { name: 'Run with' }).getByRole('menuitem', { name: 'Run with the latest real event' }).click();
      await expect.poll(() => runs().filter((u) => u === '/run?plan=real').length, { timeout: 15_000 }).toBe(2);
      expect(runs()).toEqual(['/run?plan=custom', '/run?plan=test', '/run?plan=real', '/run?plan=real']);
    },
    E2E_TIMEOUT,
  );

  it(
    'the data picker fills a header value and the JSON body, each in its own field, and the run sends them',
    async () => {
      await signIn(page, server.url);
      const wf = await create({
        name: 'Signup to CRM, mapped',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', position: at, config: {} },
          { id: 'crm', type: 'action.http', position: { x: 320, y: 0 }, config: { method: 'POST', url: `${sink.url}/crm` } },
        ],
        edges: [{ id: 'e', source: 'hook', target: 'crm' }],
      });
      await captureTestEvent(wf.id, { email: 'ada@example.com', plan: 'pro' });
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('hook').click(); // its panel loads the captured test event
      await node('crm').click();

      await page.getByRole('button', { name: '+ Add header' }).click();
      await page.getByLabel('Headers name 1', { exact: true }).fill('x-plan');
      await page.getByRole('button', { name: 'Insert data into Headers value 1' }).click();
      await page.getByRole('dialog', { name: 'Data for Headers value 1' }).getByRole('button', { name: 'steps.hook.body.plan', exact: true }).click();
      expect(await page.getByLabel('Headers value 1', { exact: true }).inputValue()).toBe('{{ steps.hook.body.plan }}');
      await expect.poll(() => text(page.getByLabel('Preview of Headers value 1'))).toBe('Previewpro');
      expect(await page.getByLabel('URL', { exact: true }).inputValue()).toBe(`${sink.url}/crm`);

      const body = page.getByLabel('Body', { exact: true });
      await body.fill('{ "email": ');
      await page.getByRole('button', { name: 'Insert data into Body' }).click();
      await page.getByRole('dialog', { name: 'Data for Body' }).getByRole('button', { name: 'steps.hook.body.email', exact: true }).click();
      await expect.poll(() => body.inputValue()).toBe('{ "email": "{{ steps.hook.body.email }}"');
      await body.press('End');
      await body.pressSequentially(' }');
      await expect.poll(() => text(page.getByLabel('Preview of Body'))).toContain('ada@example.com');
      await screenshot(page, '5-mapped-header-and-body');

      await page.getByRole('button', { name: '▶ Run', exact: true }).click();
      const hit = await sink.waitFor((r) => r.url === '/crm');
      expect(JSON.parse(hit.body)).toEqual({ email: 'ada@example.com' });
      expect(hit.headers['x-plan']).toBe('pro');
    },
    E2E_TIMEOUT,
  );

  it(
    'a template opens as a draft with its to-dos on the nodes, runs, and comes back by pasted JSON as a copy',
    async () => {
      await signIn(page, server.url);
      await page.getByRole('link', { name: 'Workflows' }).click();
      await page.getByRole('button', { name: '+ New workflow' }).click();
      const dialog = page.getByRole('dialog', { name: 'New workflow' });
      expect(await dialog.getByRole('button', { name: /^Use template: / }).count()).toBeGreaterThanOrEqual(10);
      await dialog.getByRole('button', { name: 'Use template: Send a test email' }).click();
      await node('email').waitFor();
      expect(await text(node('email').locator('.wf-node-note.todo'))).toMatch(/^Fill in: /);
      const id = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
      const wf = (await (await page.request.get(`${server.url}/api/workflows/${id}`)).json()) as { name: string; active: boolean };
      expect(wf).toMatchObject({ name: 'Send a test email', active: false });
      await screenshot(page, '6-template');

      await page.getByRole('button', { name: '▶ Run', exact: true }).click();
      await node('email').getByLabel('Last run: Succeeded').waitFor({ timeout: 15_000 });
      const outbox = (await (await page.request.get(`${server.url}/api/outbox`)).json()) as { items: { subject: string; to: string[] }[] };
      expect(outbox.items.map((m) => m.subject)).toContain('Hello from Switchyard');

      const exported = await (await page.request.get(`${server.url}/api/workflows/${id}/export`)).text();
      await page.getByRole('link', { name: 'Workflows' }).click();
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const importDialog = page.getByRole('dialog', { name: 'Import a workflow' });
      await importDialog.getByLabel('Workflow JSON').fill('{ not json');
      await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
      await importDialog.getByRole('alert').filter({ hasText: 'not valid JSON' }).waitFor();
      await importDialog.getByLabel('Workflow JSON').fill(exported);
      await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
      await page.getByRole('link', { name: 'Send a test email (copy)', exact: true }).waitFor();
    },
    E2E_TIMEOUT,
  );

  it(
    'the condition builder makes a working If from a picked value, and round-trips with the expression',
    async () => {
      await signIn(page, server.url);
      const wf = await create({
        name: 'Pro plans only',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', position: at, config: {} },
          { id: 'is_pro', type: 'logic.if', position: { x: 320, y: 0 }, config: {} },
          { id: 'vip', type: 'action.http', position: { x: 640, y: 0 }, config: { method: 'GET', url: `${sink.url}/vip?plan={{ steps.hook.body.plan }}` } },
        ],
        edges: [
          { id: 'a', source: 'hook', target: 'is_pro' },
          { id: 'b', source: 'is_pro', target: 'vip', sourceHandle: 'true' },
        ],
      });
      await captureTestEvent(wf.id, { plan: 'pro' });
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('hook').click();
      await node('is_pro').click();

      await page.getByRole('button', { name: 'Insert data into Condition 1 value' }).click();
      await page.getByRole('dialog', { name: 'Data for Condition 1 value' }).getByRole('button', { name: 'steps.hook.body.plan', exact: true }).click();
      expect(await page.getByLabel('Condition 1 value', { exact: true }).inputValue()).toBe('steps.hook.body.plan');
      await page.getByLabel('Condition 1 operator').selectOption({ label: 'equals' });
      await page.getByLabel('Condition 1 compared with').fill('pro');
      await page.getByRole('button', { name: 'Edit as expression' }).click();
      await expect.poll(() => page.getByLabel('Condition', { exact: true }).inputValue()).toBe('steps.hook.body.plan = "pro"');
      await page.getByRole('button', { name: 'Build', exact: true }).click();
      expect(await page.getByLabel('Condition 1 compared with').inputValue()).toBe('pro');
      await expect.poll(() => text(page.locator('.problems'))).toContain('Ready to activate');
      await screenshot(page, '7-condition-builder');

      await runWithCustomJson({ body: { plan: 'free' } });
      await node('vip').getByLabel('Last run: Skipped').waitFor({ timeout: 15_000 });
      await runWithCustomJson({ body: { plan: 'pro' } });
      await sink.waitFor((r) => r.url === '/vip?plan=pro');
      expect(sink.requests.filter((r) => r.url.startsWith('/vip')).map((r) => r.url)).toEqual(['/vip?plan=pro']);
    },
    E2E_TIMEOUT,
  );

  it(
    'a "+" on a free output adds the chosen step there, connected, visible and selected; the palette appends after the selection',
    async () => {
      await signIn(page, server.url);
      const wf = await create({
        name: 'Grow a branch',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', position: at, config: {} },
          { id: 'check', type: 'logic.if', position: { x: 320, y: 0 }, config: { condition: 'input.body.ok = true' } },
        ],
        edges: [{ id: 'a', source: 'hook', target: 'check' }],
      });
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await node('check').waitFor();
      expect(await page.getByRole('button', { name: /^Add a step after Webhook$/ }).count()).toBe(0); // its only output is taken

      await page.getByRole('button', { name: 'Add a step after the true output of If' }).click();
      const picker = page.getByRole('dialog', { name: 'Add a step' });
      await picker.getByLabel('Search steps').fill('http');
      await picker.getByRole('button', { name: /HTTP Request/ }).click();
      await node('http').waitFor();
      await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
      /** The draft's edges, as saved. */
      const savedEdges = async () => {
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        await page.getByText(/^Saved · v\d+$/).waitFor();
        return ((await (await page.request.get(`${server.url}/api/workflows/${wf.id}`)).json()) as { edges: { source: string; target: string; sourceHandle?: string | null }[] }).edges;
      };
      expect((await savedEdges()).find((e) => e.target === 'http')).toMatchObject({ source: 'check', sourceHandle: 'true' });
      // Visible in the canvas, not under a panel, and open in the panel.
      const canvas = (await page.locator('.react-flow').boundingBox())!;
      const box = (await node('http').boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(canvas.x);
      expect(box.x + box.width).toBeLessThanOrEqual(canvas.x + canvas.width);
      await page.getByText(/· id http$/).waitFor();
      expect(await page.getByRole('button', { name: 'Add a step after the true output of If' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Add a step after the false output of If' }).count()).toBe(1);

      // The palette appends after the selected node, connected from its only free output.
      await page.getByRole('button', { name: 'Send Email', exact: true }).click();
      await node('email').waitFor();
      expect((await savedEdges()).find((e) => e.target === 'email')).toMatchObject({ source: 'http' });
      await screenshot(page, '8-appended-steps');
    },
    E2E_TIMEOUT,
  );

  it('double-clicking a node renames it; the edge that closes a cycle is marked and named in the problems', async () => {
    await signIn(page, server.url);
    const wf = await create({
      name: 'Loops back',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', position: at, config: {} },
        { id: 'a', type: 'data.transform', position: { x: 320, y: 0 }, config: { expression: 'input' } },
        { id: 'b', type: 'data.transform', position: { x: 640, y: 0 }, config: { expression: 'input' } },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'a' },
        { id: 'e2', source: 'a', target: 'b' },
        { id: 'back', source: 'b', target: 'a' },
      ],
    });
    await page.goto(`${server.url}/#/workflows/${wf.id}`);
    await page.locator('.react-flow__edge.edge-fault[data-id="back"]').waitFor({ state: 'attached' });
    expect(await page.locator('.react-flow__edge.edge-fault').count()).toBe(1);
    await screenshot(page, '9-cycle-edge');
    await page.locator('.problems').click();
    await expect.poll(() => text(page.getByRole('list', { name: 'Problems' }))).toContain('this edge closes a cycle: a → b → a');
    // Closed first: the open list lies over the canvas, and a click on its item selects that node.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('list', { name: 'Problems' }).count()).toBe(0);

    await node('b').dblclick();
    // The caret is in the name field of b's panel (not of the node shown before it).
    await expect
      .poll(() => page.evaluate(() => `${document.activeElement?.closest<HTMLElement>('.node-panel')?.dataset.nodeId} ${document.activeElement?.getAttribute('aria-label')}`))
      .toBe('b Node name');
    await page.keyboard.type('Shape it');
    await expect.poll(() => text(node('b'))).toContain('Shape it');
  }, E2E_TIMEOUT);
});
