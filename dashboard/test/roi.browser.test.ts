/**
 * The ROI page in a real browser against a running Paved with the small demo organisation: no
 * amount for a figure whose change is not distinguishable from zero (it says so, with the change
 * and its interval), an amount with its interval otherwise, one period (per year) stated, and the
 * developer count's source. Screenshots land in test-artifacts/browser/.
 *
 * Needs Chromium and a dashboard build (PAVED_DASHBOARD_DIST picks the build directory). Run alone:
 *   pnpm vitest run dashboard/test/roi.browser.test.ts
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoiResult } from '@paved/schemas';
import { CHROMIUM, CHROMIUM_ARGS, type DemoPaved, openPage, ROOT, startDemoPaved } from './harness.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
/** Any currency amount as the page formats it ($1,234 or 1,234 USD). */
const MONEY = /[$€£]\s?-?[\d,]+|-?[\d,]+ [A-Z]{3}\b/;

describe.skipIf(!existsSync(CHROMIUM))('ROI page in a browser (small demo organisation)', () => {
  let paved: DemoPaved;
  let browser: Browser;
  let page: Page;
  let base: string;
  const to = addDays(new Date().toISOString().slice(0, 10), 1);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    paved = await startDemoPaved();
    base = paved.base;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, colorScheme: 'light' });
  }, 480_000);

  afterAll(async () => {
    await browser?.close();
    await paved?.stop();
  }, 30_000);

  /** The API's figures for a window and what the page's card of each figure shows. */
  async function pageAndApi(from: string, until: string) {
    const response = await page.request.get(`${base}/api/v1/roi?from=${from}&to=${until}`);
    expect(response.status()).toBe(200);
    const api = RoiResult.parse(await response.json());
    await openPage(page, `${base}/roi?from=${from}&to=${until}`);
    await page.locator('.roi-figure').first().waitFor({ timeout: 30_000 });
    return api;
  }

  /** Every figure's card: no amount when not distinguishable from zero, an amount otherwise. */
  async function checkCards(api: RoiResult): Promise<{ hidden: number; shown: number }> {
    let hidden = 0;
    let shown = 0;
    for (const figure of api.figures) {
      const card = page.locator(`.roi-figure[data-figure="${figure.id}"]`);
      const value = (await card.locator('.stat-value').textContent()) ?? '';
      const note = (await card.locator('.stat-note').first().textContent()) ?? '';
      if (figure.significant === false) {
        hidden += 1;
        expect(value, figure.id).toBe('Not distinguishable from zero');
        expect(`${value} ${note}`, figure.id).not.toMatch(MONEY);
        if (figure.effect) expect(await card.locator('.roi-effect').textContent(), figure.id).toContain(figure.effect.name);
      } else if (figure.mid !== null) {
        shown += 1;
        expect(value, figure.id).toMatch(MONEY);
      }
      expect(note, figure.id).toContain('per year');
    }
    return { hidden, shown };
  }

  it('a 90-day window: amounts only where the change is distinguishable from zero, the period and developers stated', async () => {
    const api = await pageAndApi(addDays(to, -90), to);
    const { hidden, shown } = await checkCards(api);
    expect(hidden + shown).toBeGreaterThan(0);
    expect(await page.locator('.roi-period').textContent()).toContain(`All figures are per year. Figures measured over the ${api.period.windowDays}-day window are multiplied by 365 / ${api.period.windowDays}`);
    expect(await page.getByText(/^Developers: /).first().textContent()).toContain(api.developers.count.toLocaleString('en'));
    await page.screenshot({ path: join(ARTIFACTS, 'roi.png'), fullPage: true });
  });

  it('a 7-day window against the week before: too few deployments to tell the lead-time change from noise, so no amount for it', async () => {
    const api = await pageAndApi(addDays(to, -7), to);
    const lead = api.figures.find((f) => f.id === 'leadTimeReturned')!;
    expect(lead.effect!.low! <= 0 && lead.effect!.high! >= 0, `lead-time change ${lead.effect!.low}..${lead.effect!.high}`).toBe(true);
    expect(lead.significant).toBe(false);
    const { hidden } = await checkCards(api);
    expect(hidden).toBeGreaterThan(0);
    await page.locator('.roi-figure[data-figure="leadTimeReturned"] details summary').click();
    await page.screenshot({ path: join(ARTIFACTS, 'roi-week.png'), fullPage: true });
  });

  it('the one-page summary shows no amount for a figure not distinguishable from zero', async () => {
    const from = addDays(to, -7);
    const api = RoiResult.parse(await (await page.request.get(`${base}/api/v1/roi?from=${from}&to=${to}`)).json());
    await openPage(page, `${base}/roi/summary?from=${from}&to=${to}`);
    const rows = page.locator('.roi-summary-table tbody tr');
    expect(await rows.count()).toBe(api.figures.length);
    for (const [i, figure] of api.figures.entries()) {
      const cells = await rows.nth(i).locator('td').allTextContents();
      if (figure.significant === false) {
        expect(cells[1], figure.id).toBe('Not distinguishable from zero');
        expect(`${cells[1]} ${cells[2]}`, figure.id).not.toMatch(MONEY);
      }
    }
    await page.screenshot({ path: join(ARTIFACTS, 'roi-summary.png'), fullPage: true });
  });

  it('assumptions stay editable: a developer count set on the form for an estimated team is used by the figures', async () => {
    const from = addDays(to, -90);
    const before = await pageAndApi(from, to);
    const team = before.developers.teams.find((t) => t.source !== 'override')!;
    const friction = before.figures.find((f) => f.id === 'frictionCost')!;
    await page.locator(`input[name="developers.${team.team}"]`).fill(String(team.count + 10));
    await page.getByRole('button', { name: 'Save assumptions' }).click();
    await page.getByText('Assumptions saved').waitFor({ timeout: 20_000 });
    const after = RoiResult.parse(await (await page.request.get(`${base}/api/v1/roi?from=${from}&to=${to}`)).json());
    expect(after.developers.teams.find((t) => t.team === team.team)).toEqual({ team: team.team, count: team.count + 10, source: 'override' });
    expect(after.developers.count).toBe(before.developers.count + 10);
    const mid = after.figures.find((f) => f.id === 'frictionCost')!.mid;
    // The same hours at more developers (each amount is rounded to whole units once).
    if (friction.mid !== null) expect(Math.abs(mid! - (friction.mid * after.developers.count) / before.developers.count)).toBeLessThanOrEqual(1);
  });
});
