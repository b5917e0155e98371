/**
 * Takes the README's editor screenshots at 1440×900 and 1024×700 (docs/screenshot-1440.png,
 * docs/screenshot-1024.png): the real server and Chromium, a "webhook → if → HTTP request / email"
 * workflow run once with a pro-plan event, the If selected so its condition builder shows.
 * Not a test: run it by hand after a visible change, `npx tsx test/e2e/readme-screenshots.ts`.
 */
import { join } from 'node:path';
import { ensureWebBuilt, launchBrowser, root, signIn, startServer, startSink } from './harness.ts';

const SIZES = [
  { width: 1440, height: 900, file: 'screenshot-1440.png' },
  { width: 1024, height: 700, file: 'screenshot-1024.png' },
] as const;

async function main(): Promise<void> {
  ensureWebBuilt();
  const [server, sink, browser] = await Promise.all([startServer(), startSink(), launchBrowser()]);
  try {
    const context = await browser.newContext({ viewport: { width: SIZES[0].width, height: SIZES[0].height } });
    const page = await context.newPage();
    await signIn(page, server.url);
    const post = async (path: string, data: unknown) => (await (await page.request.post(`${server.url}${path}`, { data, headers: { origin: server.url } })).json()) as Record<string, unknown>;
    const wf = (await post('/api/workflows', {
      name: 'New signups',
      nodes: [
        { id: 'signup', name: 'Signup form', type: 'trigger.webhook', position: { x: 0, y: 120 }, config: {} },
        { id: 'pro', name: 'Pro plan?', type: 'logic.if', position: { x: 320, y: 120 }, config: { condition: 'steps.signup.body.plan = "pro"' } },
        {
          id: 'crm',
          name: 'Add to CRM',
          type: 'action.http',
          position: { x: 640, y: 40 },
          config: { method: 'POST', url: `${sink.url}/contacts`, body: { email: '{{ steps.signup.body.email }}', plan: '{{ steps.signup.body.plan }}' } },
        },
        { id: 'welcome', name: 'Welcome email', type: 'action.email', position: { x: 640, y: 220 }, config: { to: '{{ steps.signup.body.email }}', subject: 'Welcome aboard', text: 'Thanks for signing up.' } },
      ],
      edges: [
        { id: 'e1', source: 'signup', target: 'pro' },
        { id: 'e2', source: 'pro', sourceHandle: 'true', target: 'crm' },
        { id: 'e3', source: 'pro', sourceHandle: 'false', target: 'welcome' },
      ],
    })) as { id: string };
    const active = (await post(`/api/workflows/${wf.id}/activate`, {})) as { triggers: { url?: string }[] };
    const hook = active.triggers[0]?.url;
    if (!hook) throw new Error('the webhook has no URL');
    const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ada@example.com', plan: 'pro' }) });
    if (res.status !== 202) throw new Error(`the webhook answered ${res.status}`);
    await sink.waitFor((r) => r.url === '/contacts', 20_000);

    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.goto(`${server.url}/#/workflows/${wf.id}`);
      await page.locator('.react-flow__node[data-id="crm"].run-success, .react-flow__node[data-id="crm"] .run-success').first().waitFor({ timeout: 20_000 }).catch(() => undefined);
      await page.locator('.react-flow__node[data-id="pro"]').click();
      await page.getByRole('button', { name: 'Fit view' }).click().catch(() => undefined);
      await page.waitForTimeout(600); // the fit-view animation settles before the picture
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur()); // no focus ring in the picture
      await page.screenshot({ path: join(root, 'docs', size.file) });
      console.log(`docs/${size.file}`);
    }
    await context.close();
  } finally {
    await browser.close();
    await sink.close();
    await server.stop();
  }
}

await main();
