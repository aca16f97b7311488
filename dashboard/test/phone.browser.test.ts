/**
 * Every page of the dashboard on a phone (390×844, touch, the device's own viewport rules) against a
 * running Paved with the small demo organisation: the page never scrolls sideways (wide tables scroll
 * inside their card, charts fit theirs), the content takes the full width instead of sitting beside
 * the sidebar, banners stay readable, and the collapsed navigation takes you to another page.
 *
 * Needs Chromium (`apt-get install -y chromium`, or CHROMIUM_PATH) and a dashboard build
 * (PAVED_DASHBOARD_DIST picks the build directory). Screenshots land in test-artifacts/browser/phone-*.png.
 *   pnpm vitest run dashboard/test/phone.browser.test.ts
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, type DemoPaved, openPage, ROOT, startDemoPaved } from './harness.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
const PHONE = { width: 390, height: 844 };

/** Every page in the navigation, plus a team page, the drill-down, the one-page ROI summary, survey admin, Settings and the API reference. */
const PAGES: { name: string; path: () => string }[] = [
  { name: 'overview', path: () => '/' },
  { name: 'dora', path: () => '/dora' },
  { name: 'flow', path: () => '/flow' },
  { name: 'adoption', path: () => '/adoption' },
  { name: 'incidents', path: () => '/incidents' },
  { name: 'surveys', path: () => '/surveys' },
  { name: 'digests', path: () => '/digests' },
  { name: 'roadmap', path: () => '/roadmap' },
  { name: 'roi', path: () => '/roi' },
  { name: 'health', path: () => '/health' },
  { name: 'team', path: () => teamPath },
  { name: 'explain-lead-time', path: () => '/dora/explain?metric=leadTime' },
  { name: 'roi-summary', path: () => '/roi/summary' },
  { name: 'surveys-admin', path: () => '/surveys/admin' },
  { name: 'settings', path: () => '/settings' },
  { name: 'api-reference', path: () => '/docs/api' },
];
let teamPath = '';

interface Layout {
  innerWidth: number;
  scrollWidth: number;
  bodyScrollWidth: number;
  /** Elements whose right edge is past the viewport and that no scrolling ancestor contains. */
  overflowing: string[];
  mainWidth: number;
  navBottom: number;
  mainTop: number;
  bannerWidths: number[];
}

/** Reads the page's layout in the browser (no test helpers there: plain DOM); `width` is the phone's. */
function measure(width: number): Layout {
  const describeElement = (el: Element) => {
    const id = el.id ? `#${el.id}` : '';
    const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    return `${el.tagName.toLowerCase()}${id}${cls} (right ${Math.round(el.getBoundingClientRect().right)})`;
  };
  const clipped = (el: Element) => {
    for (let parent = el.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
      const overflowX = getComputedStyle(parent).overflowX;
      if (overflowX !== 'visible') return true;
    }
    return false;
  };
  const overflowing: string[] = [];
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.right <= width + 0.5) continue;
    if (clipped(el)) continue;
    overflowing.push(describeElement(el));
    if (overflowing.length >= 8) break;
  }
  const main = document.querySelector('main')!.getBoundingClientRect();
  const nav = document.querySelector('nav[aria-label="Main"]')!.getBoundingClientRect();
  return {
    innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    overflowing,
    mainWidth: main.width,
    navBottom: nav.bottom + window.scrollY,
    mainTop: main.top + window.scrollY,
    bannerWidths: Array.from(document.querySelectorAll('.banner')).map((b) => b.getBoundingClientRect().width),
  };
}

describe.skipIf(!existsSync(CHROMIUM))('dashboard on a phone, 390×844 (small demo organisation)', () => {
  let paved: DemoPaved;
  let browser: Browser;
  let page: Page;
  let base: string;

  async function open(path: string): Promise<void> {
    await openPage(page, base + path);
    // Charts size themselves after hydration (recharts ResponsiveContainer): measure once they have.
    if (await page.locator('figure.chart').count()) await page.locator('figure.chart .recharts-surface').first().waitFor({ timeout: 15_000 });
    await page.waitForTimeout(300);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    paved = await startDemoPaved();
    base = paved.base;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    // isMobile: the page's own <meta name="viewport"> decides the layout width, as on a real phone
    // (without it the page would be laid out 980 px wide and zoomed out).
    page = await browser.newPage({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2, colorScheme: 'light' });
    // One click from a team name on the explorer leads to that team's page.
    const desktop = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await openPage(desktop, `${base}/dora`);
    teamPath = (await desktop.locator('a[href^="/teams/"]').first().getAttribute('href', { timeout: 15_000 })) ?? '';
    await desktop.close();
    expect(teamPath, 'a link to a team page on the DORA explorer').toMatch(/^\/teams\/[^/?]+/);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await paved?.stop();
  }, 30_000);

  for (const target of PAGES) {
    it(`${target.name}: no sideways scrolling, full-width content, readable banners`, async () => {
      await open(target.path());
      // What is folded away (data tables, how a figure is computed) must fit as well once opened.
      await page.evaluate(() => document.querySelectorAll('main details').forEach((d) => { (d as HTMLDetailsElement).open = true; }));
      const layout = await page.evaluate(measure, PHONE.width);
      // The layout width stays the phone's (a wider page makes a phone's browser zoom out), and nothing sticks out.
      expect({ innerWidth: layout.innerWidth, scrollWidth: layout.scrollWidth, overflowing: layout.overflowing }).toEqual({ innerWidth: PHONE.width, scrollWidth: PHONE.width, overflowing: [] });
      expect(layout.bodyScrollWidth).toBeLessThanOrEqual(PHONE.width);
      // The navigation sits above the content, which uses the whole width (not beside a sidebar).
      expect(layout.mainWidth).toBe(PHONE.width);
      expect(layout.navBottom).toBeLessThanOrEqual(layout.mainTop + 1);
      // Banners run across the screen (or their card) rather than down a narrow column.
      for (const width of layout.bannerWidths) expect(width).toBeGreaterThanOrEqual(300);
      await page.screenshot({ path: join(ARTIFACTS, `phone-${target.name}.png`), fullPage: true });
    });
  }

  it('wide tables scroll inside their card while the page stays put', async () => {
    await open('/dora');
    const ranking = page.locator('#ranking .table-wrap').first();
    const wrap = await ranking.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, right: el.getBoundingClientRect().right }));
    expect(wrap.scrollWidth, 'the ranking table is wider than a phone').toBeGreaterThan(wrap.clientWidth);
    expect(wrap.right).toBeLessThanOrEqual(PHONE.width);
    await ranking.evaluate((el) => { el.scrollLeft = el.scrollWidth; });
    expect(await ranking.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    expect(await page.evaluate(() => window.scrollX)).toBe(0);
  });

  it('the collapsed navigation takes you to another page, and shows where you are', async () => {
    await open('/');
    const nav = page.getByRole('navigation', { name: 'Main' });
    const health = nav.getByRole('link', { name: 'Data health' });
    // The strip scrolls sideways on its own: the last link is reachable and tappable.
    await health.tap();
    await page.waitForURL(/\/health$/);
    await page.getByRole('heading', { level: 1, name: 'Data health' }).waitFor({ timeout: 15_000 });
    expect(await health.getAttribute('aria-current')).toBe('page');
    // The current page's link is scrolled into the strip, not left off-screen.
    await page.waitForTimeout(300);
    const box = await health.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    // And back to the first link, which the strip has scrolled away from.
    await nav.getByRole('link', { name: 'Overview' }).tap();
    await page.waitForURL((url) => url.pathname === '/');
    // A client-side navigation: the URL changes before the page's content arrives.
    await page.locator('a.key-card').nth(4).waitFor({ timeout: 15_000 });
    expect(await page.locator('a.key-card').count()).toBe(5);
    await page.screenshot({ path: join(ARTIFACTS, 'phone-nav.png') });
    // docs/dashboard.md shows the Overview on a phone as this test last saw it.
    copyFileSync(join(ARTIFACTS, 'phone-nav.png'), join(ROOT, 'docs', 'img', 'phone-overview.png'));
  });
});
