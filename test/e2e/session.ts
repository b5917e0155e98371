/**
 * One browser session per test file: the real server, a loopback sink, Chromium with one page.
 * Registers the hooks (start in beforeAll, a screenshot and the server's log on a failed test,
 * and, at the end, no uncaught page error and no API response that breaks the shared schemas).
 * The returned object is filled in by its beforeAll.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { ensureWebBuilt, launchBrowser, screenshot, startServer, startSink, type RunningServer, type Sink } from './harness.ts';

export type EditorSession = { server: RunningServer; sink: Sink; browser: Browser; context: BrowserContext; page: Page };

/** `context`: extra options for the browser context (e.g. `timezoneId`, the zone the page believes it is in). */
export function editorSession(viewport = { width: 1280, height: 800 }, context: { timezoneId?: string } = {}): EditorSession {
  const s = {} as EditorSession;
  const pageErrors: string[] = [];
  const contractErrors: string[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    [s.server, s.sink, s.browser] = await Promise.all([startServer(), startSink(), launchBrowser()]);
    s.context = await s.browser.newContext({ viewport, ...context });
    s.page = await s.context.newPage();
    s.page.on('pageerror', (e) => {
      pageErrors.push(e.message);
      console.error('[browser] page error:', e.message);
    });
    s.page.on('console', (m) => {
      // client.ts logs any API response that does not match the shared schemas: a contract break.
      if (m.type() === 'error' && m.text().includes('does not match the shared schema')) {
        contractErrors.push(m.text());
        console.error('[browser]', m.text());
      }
    });
  }, 180_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && s.page) {
      await screenshot(s.page, `failed-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`).catch(() => undefined);
      console.error(`[e2e] server output so far:\n${s.server.logs().slice(-4000)}`);
    }
  });

  afterAll(async () => {
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
    expect(contractErrors, 'API responses that break the shared schemas').toEqual([]);
    await s.context?.close();
    await s.browser?.close();
    await s.sink?.close();
    await s.server?.stop();
  });

  return s;
}
