/**
 * Mixed sources in a real browser against a running Paved with the small demo organisation, whose
 * identity team works on GitLab, tracks incidents in Jira Service Management and deploys
 * golden-path production through Argo CD:
 *   - the incidents page filtered to Jira shows Jira incidents linked to the deployments behind them;
 *   - Data health lists GitLab, Jira and Argo CD rows, and says GitLab pushes of more than 20
 *     commits could not be completed (the demo has no GITLAB_TOKEN);
 *   - the lead-time drill-down for the identity team shows GitLab change sets, with GitLab commit
 *     and merge request links and the deployment's source (GitLab or Argo CD).
 *
 * Needs Chromium (`apt-get install -y chromium`, or CHROMIUM_PATH) and a dashboard build
 * (PAVED_DASHBOARD_DIST picks the build directory). Screenshots land in test-artifacts/browser/,
 * and the docs' pages about these sources (docs/sources/*.md) show the ones in DOCS_SCREENSHOTS.
 *   pnpm vitest run dashboard/test/sources.browser.test.ts
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, type DemoPaved, openPage, ROOT, settled, startDemoPaved } from './harness.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
/** Screenshots docs/sources/*.md and docs/dashboard.md show, refreshed whenever this test runs. */
const DOCS_SCREENSHOTS: Record<string, string> = {
  'sources-incidents-jira': 'sources-incidents-jira.png',
  'sources-data-health': 'sources-data-health.png',
  'sources-explain-gitlab': 'sources-explain-gitlab.png',
};

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(!existsSync(CHROMIUM))('GitLab, Jira and Argo CD on the dashboard (small demo organisation)', () => {
  let paved: DemoPaved;
  let browser: Browser;
  let page: Page;
  let base: string;
  const to = addDays(new Date().toISOString().slice(0, 10), 1);
  const from = addDays(to, -90);

  async function shot(name: string, clip?: ReturnType<Page['locator']>): Promise<void> {
    const path = join(ARTIFACTS, `${name}.png`);
    if (clip) await clip.screenshot({ path });
    else await page.screenshot({ path, fullPage: false });
    const docs = DOCS_SCREENSHOTS[name];
    if (docs) copyFileSync(path, join(ROOT, 'docs', 'img', docs));
  }

  async function open(path: string): Promise<void> {
    await openPage(page, base + path);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
    paved = await startDemoPaved();
    base = paved.base;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, colorScheme: 'light' });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await paved?.stop();
  }, 30_000);

  it('incidents filtered to Jira show Jira incidents, linked to the deployments that caused them', async () => {
    await open(`/incidents?from=${from}&to=${to}`);
    const form = page.locator('form[aria-label="Severity and source"]');
    const sourceFilter = form.getByRole('combobox', { name: 'Source', exact: true });
    const options = await sourceFilter.locator('option').allTextContents();
    expect(options).toEqual(expect.arrayContaining(['Jira', 'PagerDuty', 'GitHub']));
    await sourceFilter.selectOption({ label: 'Jira' });
    await form.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/source=jira/, { timeout: 20_000 });
    await settled(page);

    const rows = page.locator('tr[data-incident]');
    await rows.first().waitFor({ timeout: 20_000 });
    const sources = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-source')));
    expect(new Set(sources)).toEqual(new Set(['jira']));
    const linked = page.locator('#linked tbody tr[data-incident]');
    expect(await linked.count()).toBeGreaterThan(0);
    // Each links to its Jira issue and to a deployment of the GitLab team (GitLab environment or Argo CD sync).
    const first = linked.first();
    expect(await first.locator('a[href^="https://acme.atlassian.net/browse/IAM-"]').count()).toBe(1);
    expect(await first.locator('a[href*="/dora/explain?"][href*="deployment="]').count()).toBeGreaterThan(0);
    expect(await first.textContent()).toContain('Jira');
    const methods = await linked.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-method')));
    expect(methods.length).toBeGreaterThan(0);
    await shot('sources-incidents-jira');
  });

  it('Data health lists GitLab, Jira and Argo CD with their counts, and the GitLab pushes it could not complete', async () => {
    await open('/health');
    const table = page.locator('#sources table');
    await table.waitFor({ timeout: 15_000 });
    const row = (source: string) => table.locator(`tr[data-source="${source}"]`);
    for (const [source, name] of [['gitlab', 'GitLab'], ['jira', 'Jira'], ['argocd', 'Argo CD'], ['github', 'GitHub'], ['pagerduty', 'PagerDuty']] as const) {
      expect(await row(source).count(), source).toBe(1);
      expect(await row(source).locator('td').first().textContent(), source).toContain(name);
      const events = Number((await row(source).locator('td').nth(2).textContent())?.replace(/[^\d]/g, ''));
      expect(events, source).toBeGreaterThan(0);
    }
    // Pipeline Hooks are archived but not measured (no deploymentPipelinePattern in the demo).
    expect(Number((await row('gitlab').locator('td').nth(3).textContent())?.replace(/[^\d]/g, ''))).toBeGreaterThan(0);
    // Every Argo CD delivery went through /webhooks/deployments; none is left as a plain generic sender.
    expect(await row('generic').count()).toBe(0);
    const pushes = page.locator('#gitlab-pushes');
    expect(await pushes.textContent()).toMatch(/GitLab:\s*\d+ pushes? had more than 20 commits.*0 completed.*\d+ could not be fetched.*GITLAB_TOKEN/s);
    await shot('sources-data-health', page.locator('#sources'));
  });

  it('the lead-time drill-down of the GitLab team shows GitLab change sets with GitLab links and Argo CD deployments', async () => {
    await open(`/dora/explain?metric=leadTime&from=${from}&to=${to}&team=identity`);
    const deployments = page.locator('#deployments tbody tr');
    await deployments.first().waitFor({ timeout: 20_000 });
    const sources = await page.locator('#deployments tbody td[data-source]').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-source')));
    expect(sources.length).toBeGreaterThan(0);
    expect(new Set(sources).size).toBeGreaterThan(0);
    for (const source of sources) expect(['gitlab', 'argocd']).toContain(source);
    const sourceTexts = await page.locator('#deployments tbody td[data-source]').allTextContents();
    expect(sourceTexts.some((t) => t.startsWith('GitLab') || t.startsWith('Argo CD'))).toBe(true);

    const commits = page.locator('#changes tbody tr');
    expect(await commits.count()).toBeGreaterThan(5);
    const commitLinks = await page.locator('#changes tbody td[data-sha] a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(commitLinks.length).toBeGreaterThan(5);
    for (const href of commitLinks) expect(href).toMatch(/^https:\/\/gitlab\.com\/acme\/identity\/[\w-]+\/-\/commit\/[0-9a-f]{40}$/);
    const viaTexts = await page.locator('#changes tbody td .tag').allTextContents();
    expect(viaTexts.some((t) => /push chain|first push/.test(t))).toBe(true);
    await shot('sources-explain-gitlab');
  });
});
