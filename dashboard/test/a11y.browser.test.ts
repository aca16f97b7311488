/**
 * Every page of the dashboard passes axe-core (the accessibility rules WCAG 2.x A and AA, as axe
 * checks them) with no serious or critical violation, at desktop width and on a phone, against a
 * running Paved with the small demo organisation.
 *
 * Needs Chromium (`apt-get install -y chromium`, or CHROMIUM_PATH) and a dashboard build
 * (PAVED_DASHBOARD_DIST picks the build directory).
 *   pnpm vitest run dashboard/test/a11y.browser.test.ts
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, type DemoPaved, openPage, startDemoPaved } from './harness.js';

const AXE = createRequire(import.meta.url).resolve('axe-core');

/** Every page in the navigation, plus a team page, the drill-down, the ROI summary, survey admin, Settings and the API reference. */
const PAGES = ['/', '/dora', '/flow', '/adoption', '/incidents', '/surveys', '/digests', '/roadmap', '/roi', '/health', 'team', '/dora/explain?metric=leadTime', '/roi/summary', '/surveys/admin', '/settings', '/docs/api'];

const WIDTHS = [
  { name: 'desktop width', viewport: { width: 1366, height: 900 }, isMobile: false, colorScheme: 'light' },
  { name: 'phone width', viewport: { width: 390, height: 844 }, isMobile: true, colorScheme: 'light' },
  { name: 'desktop width in dark mode', viewport: { width: 1366, height: 900 }, isMobile: false, colorScheme: 'dark' },
] as const;

interface Violation { id: string; impact: string | null; help: string; nodes: string[]; why?: string }

describe.skipIf(!existsSync(CHROMIUM))('accessibility of every page (axe-core, small demo organisation)', () => {
  let paved: DemoPaved;
  let browser: Browser;
  let teamPath = '';

  /** The serious and critical violations axe finds on one page, with where (first targets). */
  async function violations(page: Page, path: string): Promise<Violation[]> {
    await openPage(page, paved.base + path);
    if (await page.locator('figure.chart').count()) await page.locator('figure.chart .recharts-surface').first().waitFor({ timeout: 15_000 });
    // Client components (the navigation, scrolling tables) finish after hydration.
    await page.waitForTimeout(300);
    await page.addScriptTag({ path: AXE });
    const found = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)), why: v.nodes[0]?.failureSummary }));
    });
    return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  }

  beforeAll(async () => {
    paved = await startDemoPaved();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    await openPage(page, `${paved.base}/dora`);
    teamPath = (await page.locator('a[href^="/teams/"]').first().getAttribute('href', { timeout: 15_000 })) ?? '';
    await page.close();
    expect(teamPath).toMatch(/^\/teams\/[^/?]+/);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await paved?.stop();
  }, 30_000);

  for (const width of WIDTHS) {
    it(`no serious or critical violation on any page at ${width.name}`, async () => {
      const page = await browser.newPage({ viewport: width.viewport, isMobile: width.isMobile, hasTouch: width.isMobile, colorScheme: width.colorScheme });
      const found: Record<string, Violation[]> = {};
      for (const path of PAGES) {
        const list = await violations(page, path === 'team' ? teamPath : path);
        if (list.length) found[path] = list;
      }
      await page.close();
      expect(found).toEqual({});
    }, 180_000);
  }
});
