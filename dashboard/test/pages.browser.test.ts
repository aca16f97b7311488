/**
 * The dashboard in a real browser against a running Paved with the small demo organisation:
 * every page renders its charts with data, filters live in the URL and change the numbers, the
 * drill-down reaches commits, and a failure-link override changes the change failure rate.
 *
 * Needs Chromium (`apt-get install -y chromium`, or CHROMIUM_PATH) and a dashboard build
 * (`paved start` builds one if missing; PAVED_DASHBOARD_DIST picks another build directory).
 * Screenshots land in test-artifacts/browser/. Run alone with:
 *   pnpm vitest run dashboard/test/pages.browser.test.ts
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, type DemoPaved, openPage, ROOT, startDemoPaved } from './harness.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
/** Screenshots the docs use (docs/img/), refreshed whenever this test runs. */
const DOCS_SCREENSHOTS: Record<string, string> = { 'overview-light': 'overview.png', 'dora-light': 'dora.png', 'explain-lead-time': 'drill-down.png', 'health-light': 'data-health.png', 'surveys-team': 'surveys.png' };

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(!existsSync(CHROMIUM))('dashboard pages in a browser (small demo organisation)', () => {
  let paved: DemoPaved;
  let browser: Browser;
  let page: Page;
  let base: string;
  const to = addDays(new Date().toISOString().slice(0, 10), 1);
  const from = addDays(to, -90);

  async function shot(name: string, target: Page = page): Promise<void> {
    await target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
    // The docs show these pages as the tests last saw them, so the screenshots stay current.
    const docs = DOCS_SCREENSHOTS[name];
    if (docs) copyFileSync(join(ARTIFACTS, `${name}.png`), join(ROOT, 'docs', 'img', docs));
  }

  async function open(path: string, target: Page = page): Promise<void> {
    await openPage(target, base + path);
  }

  /** Waits until the element shows (Playwright's own expect is not vitest's). */
  async function visible(locator: ReturnType<Page['locator']>): Promise<void> {
    await locator.waitFor({ state: 'visible', timeout: 15_000 });
  }

  async function chartPaths(target: Page = page): Promise<number> {
    await target.locator('figure.chart .recharts-surface').first().waitFor({ timeout: 15_000 });
    return target.locator('figure.chart .recharts-surface path').count();
  }

  async function json<T>(path: string): Promise<T> {
    const response = await page.request.get(base + path);
    expect(response.status(), path).toBe(200);
    return (await response.json()) as T;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
    paved = await startDemoPaved();
    base = paved.base;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, colorScheme: 'light' });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await paved?.stop();
  }, 30_000);

  it('overview shows the five keys with levels, sparklines, the demo and no-sign-in banners', async () => {
    await open('/');
    expect(await page.locator('a.key-card').count()).toBe(5);
    expect(await page.locator('svg.sparkline path.line').count()).toBeGreaterThan(0);
    await visible(page.getByText('Demo organisation (generated data)'));
    await visible(page.getByText('No sign-in configured:'));
    const badges = await page.locator('a.key-card .badge').allTextContents();
    expect(badges.filter((b) => ['Elite', 'High', 'Medium', 'Low'].includes(b)).length).toBeGreaterThanOrEqual(4);
    await shot('overview-light');
    // Keyboard: the first Tab reaches the skip link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip-link');
  });

  it('DORA explorer draws every chart with data, and a team filter changes the URL and the numbers', async () => {
    await open('/dora');
    expect(await page.locator('figure.chart').count()).toBe(6);
    expect(await chartPaths()).toBeGreaterThan(20);
    expect(await page.locator('#ranking tbody tr').count()).toBeGreaterThan(3);
    const deployments = page.locator('.stats .stat').first().locator('.stat-note');
    const before = await deployments.textContent();
    await shot('dora-light');
    await page.getByRole('combobox', { name: 'Team', exact: true }).selectOption('payments');
    await page.waitForURL(/team=payments/);
    await expect.poll(() => deployments.textContent(), { timeout: 20_000 }).not.toBe(before);
    expect(await chartPaths()).toBeGreaterThan(5);
    const services = await page.locator('#ranking tbody td:nth-child(2)').allTextContents();
    expect(new Set(services)).toEqual(new Set(['payments']));
    await shot('dora-team-payments');
    // A bar is a way into the rows behind it: a bar of a complete week in the middle of the window
    // (the first and last bars are partial weeks, which can hold no deployment at all).
    const bars = page.locator('#chart-deployments-title').locator('xpath=ancestor::figure').locator('.recharts-bar-rectangle');
    // Recharts picks the clicked week from the hover state, so hover first as a person's pointer does.
    await bars.nth(6).hover();
    await page.waitForTimeout(300);
    await bars.nth(6).click();
    await page.waitForURL(/\/dora\/explain\?metric=deploymentFrequency&from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}&team=payments/);
    await page.locator('#deployments tbody tr').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('#deployments tbody tr').count()).toBeGreaterThan(0);
  });

  it('drill-down reaches the change-set commits behind the lead time', async () => {
    await open('/dora');
    await page.locator('#ranking tbody tr').first().locator('td.name a').click();
    await page.waitForURL(/\/dora\/explain\?metric=/);
    await page.getByRole('navigation', { name: 'Metric' }).getByRole('link', { name: 'Lead time for changes' }).click();
    await page.waitForURL(/metric=leadTime/);
    const commit = page.locator('#changes td[data-sha]').first();
    await commit.waitFor();
    const sha = await commit.getAttribute('data-sha');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect((await commit.textContent())?.trim().startsWith(sha!.slice(0, 7))).toBe(true);
    await visible(page.locator('#changes').getByText(/push chain|first push|compare API|squashed PR originals/).first());
    await shot('explain-lead-time');
  });

  it('an override from the drill-down removes a failure and the change failure rate drops', async () => {
    type Explain = { deployments: { id: string; deployed_at: string }[]; failureLinks: { deployment_id: string }[] };
    type Dora = { changeFailureRate: { failedDeployments: number; deployments: number } };
    const explanation = await json<Explain>(`/api/v1/metrics/dora/explain?metric=changeFailureRate&from=${from}&to=${to}&limit=5000`);
    const linkCount = new Map<string, number>();
    for (const link of explanation.failureLinks) linkCount.set(link.deployment_id, (linkCount.get(link.deployment_id) ?? 0) + 1);
    const target = explanation.deployments.find((d) => linkCount.get(d.id) === 1);
    expect(target, 'a failed deployment with a single piece of evidence').toBeDefined();
    const before = await json<Dora>(`/api/v1/metrics/dora?from=${from}&to=${to}`);

    const day = target!.deployed_at.slice(0, 10);
    await open(`/dora/explain?metric=changeFailureRate&from=${day}&to=${addDays(day, 1)}&deployment=${encodeURIComponent(target!.id)}`);
    const links = page.locator('#failure-links');
    expect(await links.locator('tbody tr').count()).toBe(1);
    await links.locator('details.override summary').click();
    await links.getByRole('textbox').fill('browser test: not caused by this deployment');
    await links.getByRole('button', { name: 'Save and recompute' }).click();
    await page.waitForURL(/saved=reject/, { timeout: 60_000 });
    await visible(page.getByText('Override saved and the metrics recomputed'));
    await visible(page.getByText('succeeded', { exact: true }));
    await visible(page.getByText('browser test: not caused by this deployment'));
    await shot('explain-after-override');

    const after = await json<Dora>(`/api/v1/metrics/dora?from=${from}&to=${to}`);
    expect(after.changeFailureRate.failedDeployments).toBe(before.changeFailureRate.failedDeployments - 1);
    expect(after.changeFailureRate.deployments).toBe(before.changeFailureRate.deployments);
  });

  it('flow shows the stage bars per team and the slowest pull requests', async () => {
    await open('/flow');
    expect(await chartPaths()).toBeGreaterThan(4);
    expect(await page.locator('#slowest tbody tr').count()).toBeGreaterThan(5);
    await shot('flow-light');
  });

  it('adoption shows shares, the weekly lines and the golden-path comparison with sample sizes', async () => {
    await open('/adoption');
    expect(await chartPaths()).toBeGreaterThan(4);
    expect(await page.locator('#comparison tbody tr').count()).toBe(5);
    await visible(page.locator('#comparison').getByText(/\d+ commits/).first());
    await shot('adoption-light');
  });

  it('data health lists sources, coverage, transform runs and the re-drive control', async () => {
    await open('/health');
    await visible(page.locator('#sources').getByText('github'));
    await visible(page.locator('#runs tbody tr').first());
    await visible(page.getByRole('button', { name: 'Re-drive' }));
    await shot('health-light');
  });

  it('surveys show the closed campaign by team and by tenure, free text only for everyone, and withheld groups with why', async () => {
    await open('/surveys');
    await visible(page.getByText('Answers by driver').first());
    await visible(page.getByText('Platform eNPS').first());
    // Free text appears once, for the whole organisation: never under a team.
    const themes = page.locator('#themes');
    if (await themes.count()) expect(await themes.locator('details.sv-theme > summary').first().textContent()).toMatch(/^Everyone/);
    await shot('surveys-team');
    const results = await json<{ released: boolean; groups: { group: string; freeText: unknown[] }[]; hiddenGroups: string[]; complementaryGroups: string[] }>('/api/v1/surveys/results?by=tenure');
    expect(results.released).toBe(true);
    expect(results.groups.every((g) => g.freeText.length === 0)).toBe(true);
    await open('/surveys?by=tenure');
    for (const group of results.groups) await visible(page.getByRole('columnheader', { name: group.group }).first());
    if (results.hiddenGroups.length) await visible(page.getByText('Hidden to protect anonymity:'));
    await shot('surveys-tenure');
  });

  it('tables download as CSV attachments with the page parameters', async () => {
    const response = await page.request.get(`${base}/api/v1/export/services?from=${from}&to=${to}&team=checkout`);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-disposition']).toMatch(/^attachment; filename="paved_services_checkout_/);
    const lines = (await response.text()).trim().split('\r\n');
    expect(lines[0]).toBe('service,team,golden_path,deployments,deployments_per_week,lead_time_p50_hours,changes,failed_deployments,change_failure_rate,recovery_p50_hours,rework_rate');
    expect(lines.slice(1).every((line) => line.split(',')[1] === 'checkout')).toBe(true);
    expect((await page.request.get(`${base}/api/v1/export/nope`)).status()).toBe(404);
  });

  it('dark mode renders the overview and the explorer', async () => {
    const dark = await browser.newPage({ viewport: { width: 1366, height: 768 }, colorScheme: 'dark' });
    try {
      await open('/', dark);
      await shot('overview-dark', dark);
      await open('/dora', dark);
      expect(await chartPaths(dark)).toBeGreaterThan(20);
      const background = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe('rgb(14, 16, 20)');
      await shot('dora-dark', dark);
    } finally {
      await dark.close();
    }
  });
}, 120_000);
