/**
 * axe-core in the browser tests: injects axe into the page and runs it, keeping the violations of
 * impact serious or critical, each with its rule id, help text and the nodes it found.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

// The app's Content-Security-Policy (script-src 'self') refuses an injected <script>
// (page.addScriptTag), rightly; evaluating the source through the DevTools protocol is not subject
// to it, so the tests check the page with its real CSP in place.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export type AxeViolation = { id: string; impact: string | null; help: string; helpUrl: string; nodes: { target: string[]; failureSummary?: string }[] };

/** Runs axe on the whole page (WCAG 2.x A and AA, plus axe's best practices) and returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  // Colours ease between schemes (CSS transitions); axe must see where they end, not half-way,
  // so each running transition is jumped to its end. (A spinner's animation is left alone.)
  await page.evaluate(() => {
    for (const a of document.getAnimations()) if (a instanceof CSSTransition) a.finish();
  });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target as string[], failureSummary: n.failureSummary })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** One line per violation and node, for a failing assertion's message. */
export function describeViolations(where: string, violations: AxeViolation[]): string {
  if (violations.length === 0) return `${where}: none`;
  const lines = violations.flatMap((v) => [
    `${where}: [${v.impact}] ${v.id} — ${v.help} (${v.helpUrl})`,
    ...v.nodes.slice(0, 8).map((n) => `    ${n.target.join(' > ')}${n.failureSummary ? `\n      ${n.failureSummary.replace(/\n/g, '\n      ')}` : ''}`),
    ...(v.nodes.length > 8 ? [`    … and ${v.nodes.length - 8} more`] : []),
  ]);
  return lines.join('\n');
}
