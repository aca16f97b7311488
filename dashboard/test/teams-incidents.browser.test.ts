/**
 * The team and incidents pages in a real browser against a running Paved with the small demo
 * organisation, answering two questions by clicking from the Overview:
 *   - "which team deploys least, and why": Overview → teams ranked (fewest deployments per week
 *     first) → the team's page, with its frequency against the median team and its slowest flow stage;
 *   - "which deployments caused last month's incidents": Overview → Incidents → last calendar month,
 *     incidents by the date they opened (also those whose deployment was the month before), the
 *     unlinked ones in their own list, and an override made from there.
 *
 * Needs Chromium (`apt-get install -y chromium`, or CHROMIUM_PATH) and a dashboard build
 * (PAVED_DASHBOARD_DIST picks the build directory). Screenshots land in test-artifacts/browser/.
 *   pnpm vitest run dashboard/test/teams-incidents.browser.test.ts
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, type DemoPaved, openPage, ROOT, settled, startDemoPaved } from './harness.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');

/** As the dashboard writes a number with at most one decimal (lib/format.ts `decimal`). */
const decimal = (value: number) => new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1, minimumFractionDigits: value < 10 && value % 1 !== 0 ? 1 : 0 }).format(value);

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The first day of the previous calendar month and of this one (UTC): "last month". */
function lastMonth(now = new Date()): { from: string; to: string } {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

describe.skipIf(!existsSync(CHROMIUM))('team and incidents pages in a browser (small demo organisation)', () => {
  let paved: DemoPaved;
  let browser: Browser;
  let page: Page;
  let base: string;
  const to = addDays(new Date().toISOString().slice(0, 10), 1);
  const from = addDays(to, -90);
  const month = lastMonth();

  async function shot(name: string, fullPage = false): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
  }

  async function open(path: string): Promise<void> {
    await openPage(page, base + path);
  }

  async function json<T>(path: string): Promise<T> {
    const response = await page.request.get(base + path);
    expect(response.status(), path).toBe(200);
    return (await response.json()) as T;
  }

  async function csv(path: string): Promise<Record<string, string>[]> {
    const response = await page.request.get(base + path);
    expect(response.status(), path).toBe(200);
    const [head, ...lines] = (await response.text()).trim().split('\r\n');
    const columns = head!.split(',');
    return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i]!, v])));
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    paved = await startDemoPaved();
    base = paved.base;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, colorScheme: 'light' });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await paved?.stop();
  }, 30_000);

  it('which team deploys least, and why: Overview → teams ranked → the team page', async () => {
    // The right answer, from the teams CSV (the explorer's own numbers).
    const teams = await csv(`/api/v1/export/teams?from=${from}&to=${to}`);
    expect(teams.length).toBeGreaterThan(3);
    const perWeek = (t: Record<string, string>) => Number(t.deployments_per_week);
    const least = [...teams].sort((a, b) => perWeek(a) - perWeek(b) || a.team!.localeCompare(b.team!))[0]!;

    await open('/');
    // The Overview lists the teams fewest-first and links to the ranking sorted the same way.
    const overviewTeams = page.locator('#teams tbody td.name a');
    expect((await overviewTeams.first().textContent())?.trim()).toBe(least.team);
    await shot('overview-teams', true);
    await page.locator('#teams').getByRole('link', { name: /Teams ranked/ }).click();
    await page.waitForURL(/\/dora\?.*by=team/);
    await settled(page);
    const first = page.locator('#ranking tbody tr').first().locator('td.name a');
    expect((await first.textContent())?.trim()).toBe(least.team);
    await page.locator('#ranking').scrollIntoViewIfNeeded();
    await shot('dora-teams-fewest-first');
    await first.click();
    await page.waitForURL(new RegExp(`/teams/${encodeURIComponent(least.team!)}`));
    await settled(page);

    const answer = page.getByTestId('team-answer');
    await answer.waitFor();
    const text = (await answer.textContent()) ?? '';
    // Its frequency against the median team's, and its place: the fewest.
    const team = await json<{ deploymentFrequency: { perWeek: number | null } }>(`/api/v1/metrics/dora?from=${from}&to=${to}&team=${encodeURIComponent(least.team!)}`);
    expect(text).toContain(`deploys ${decimal(team.deploymentFrequency.perWeek ?? Number.NaN)} / week`);
    expect(text).toMatch(/against [\d.,]+ \/ week for the median team/);
    expect(text).toMatch(/\(the fewest of \d+ teams\)/);
    const sorted = teams.map(perWeek).sort((a, b) => a - b);
    const mid = (sorted.length - 1) / 2;
    const median = (sorted[Math.floor(mid)]! + sorted[Math.ceil(mid)]!) / 2;
    const frequencyRow = page.locator('#keys tr[data-key="per_week"]');
    const cells = await frequencyRow.locator('td').allTextContents();
    expect(cells[0]).toBe(`${decimal(perWeek(least))} / week`);
    expect(Number(cells[1]!.replace(' / week', '').replaceAll(',', ''))).toBeCloseTo(median, 1);
    expect(cells[3]).toMatch(/^worst of \d+$/);

    // The slowest flow stage is marked, and it is the stage the answer names.
    const slowest = page.locator('#flow [data-slowest="true"]');
    expect(await slowest.count()).toBe(1);
    const stage = await slowest.getAttribute('data-stage');
    expect(text).toContain(`wait longest in ${stage}`);
    await slowest.getByText('slowest').waitFor();
    // The stage times agree with Flow for that team.
    const flow = await json<{ overall: Record<string, number | null> }>(`/api/v1/metrics/flow?from=${from}&to=${to}&team=${encodeURIComponent(least.team!)}`);
    const stages = ['coding', 'pickup', 'review', 'deploy'] as const;
    const worst = stages.reduce((w, s) => ((flow.overall[`${s}_p50`] ?? -1) > (flow.overall[`${w}_p50`] ?? -1) ? s : w), stages[0]);
    expect(stage).toBe(worst);

    // Services with the golden-path share, survey drivers (or why they are hidden), incidents.
    expect(await page.locator('#services tbody tr').count()).toBeGreaterThan(0);
    await page.locator('#survey').waitFor();
    expect(await page.locator('#survey table').count() + await page.getByTestId('survey-hidden').count() + await page.locator('#survey .empty-inline').count()).toBe(1);
    await page.locator('#incidents').waitFor();
    await shot('team-page');
    await shot('team-page-full', true);
  });

  it('which deployments caused last month\'s incidents: Overview → Incidents → last month, unlinked ones included', async () => {
    await open('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await page.waitForURL(/\/incidents/);
    const filters = page.getByRole('form', { name: 'Filters' });
    await filters.getByRole('combobox', { name: 'Time range' }).selectOption('custom');
    await filters.getByLabel('From').fill(month.from);
    await filters.getByLabel('To (inclusive)').fill(addDays(month.to, -1));
    await page.waitForURL(new RegExp(`from=${month.from}&to=${month.to}`), { timeout: 20_000 });
    await page.locator('#incident-summary').waitFor();

    // Every incident listed opened last month, whenever its deployment was.
    const opened = await page.locator('tr[data-opened]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-opened')!));
    expect(opened.length).toBeGreaterThan(0);
    for (const at of opened) expect(at.slice(0, 10) >= month.from && at.slice(0, 10) < month.to, at).toBe(true);

    // The recovery drill-down of the same window lists the incidents opened in it *and* those linked to
    // its failed deployments (by deployment date): the page has exactly the first kind.
    type Explain = { incidents: { id: string; opened_at: string }[] };
    const recovery = await json<Explain>(`/api/v1/metrics/dora/explain?metric=recovery&from=${month.from}&to=${month.to}&limit=5000`);
    const inMonth = (at: string) => at.slice(0, 10) >= month.from && at.slice(0, 10) < month.to;
    const listed = new Set(await page.locator('tr[data-incident]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-incident')!)));
    expect([...listed].sort()).toEqual(recovery.incidents.filter((i) => inMonth(i.opened_at)).map((i) => i.id).sort());
    for (const i of recovery.incidents.filter((x) => !inMonth(x.opened_at))) expect(listed.has(i.id), `${i.id} opened ${i.opened_at}, outside the month`).toBe(false);

    // Linked ones show the deployment, the method and the evidence; unlinked ones their own list with the reason.
    const linkedRows = page.locator('#linked tbody tr');
    expect(await linkedRows.count()).toBeGreaterThan(0);
    const methods = new Set(await linkedRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-method'))));
    expect([...methods].every((m) => ['explicit', 'inferred', 'override'].includes(m ?? ''))).toBe(true);
    expect(await page.locator('#linked tbody td.evidence').filter({ hasText: /incident .+ (names|opened)/ }).count()).toBeGreaterThan(0);
    const unlinked = page.locator('#unlinked tbody tr');
    const summary = page.locator('#incident-summary .stat');
    const unlinkedCount = Number((await summary.nth(2).locator('.stat-value').textContent())?.replaceAll(',', ''));
    expect(await unlinked.count()).toBe(unlinkedCount);
    expect(unlinkedCount).toBeGreaterThan(0);
    for (const why of await page.locator('#unlinked tbody td.why').allTextContents()) expect(why.length).toBeGreaterThan(20);
    // Failures resting on timing alone are counted.
    await page.getByTestId('inference-only').getByText(/of \d+/).waitFor();
    await shot('incidents-last-month');
    await shot('incidents-last-month-full', true);
  });

  it('the incidents page filters by severity and source, and by team from a team name', async () => {
    await open(`/incidents?from=${month.from}&to=${month.to}`);
    const all = await page.locator('tr[data-incident]').evaluateAll((rows) => rows.map((r) => ({ id: r.getAttribute('data-incident')!, severity: r.getAttribute('data-severity')!, source: r.getAttribute('data-source')! })));
    const severity = all[0]!.severity;
    const form = page.getByRole('form', { name: 'Severity and source' });
    await form.getByRole('combobox', { name: 'Severity' }).selectOption(severity);
    await form.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(new RegExp(`severity=${severity}`));
    const bySeverity = await page.locator('tr[data-incident]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-incident'), r.getAttribute('data-severity')]));
    expect(new Set(bySeverity.map(([id]) => id))).toEqual(new Set(all.filter((i) => i.severity === severity).map((i) => i.id)));
    // The window survived the filter.
    expect(page.url()).toContain(`from=${month.from}`);

    const source = all.find((i) => i.source !== all[0]!.source)?.source ?? all[0]!.source;
    await open(`/incidents?from=${month.from}&to=${month.to}&source=${source}`);
    const bySource = await page.locator('tr[data-incident]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-source')));
    expect(bySource.length).toBe(all.filter((i) => i.source === source).length);

    // A team name in the list opens the team page; its incidents link comes back filtered to the team.
    const teamLink = page.locator('tr[data-incident] td a[href^="/teams/"]').first();
    const team = (await teamLink.textContent())!.trim();
    await teamLink.click();
    await page.waitForURL(new RegExp(`/teams/${encodeURIComponent(team)}`));
    await page.locator('#incidents').getByRole('link', { name: `All incidents of ${team}` }).click();
    await page.waitForURL(new RegExp(`/incidents\\?.*team=${encodeURIComponent(team)}`));
    await page.locator('#incident-summary').waitFor();
    const services = await page.locator('tr[data-incident] td a[href^="/teams/"]').allTextContents();
    expect(new Set(services)).toEqual(new Set([team]));
  });

  it('a team page shows survey drivers only for teams the anonymity-checked results release, and says why otherwise', async () => {
    const teams = (await csv(`/api/v1/export/teams?from=${from}&to=${to}`)).map((t) => t.team!);
    await open(`/teams/${encodeURIComponent(teams[0]!)}`);
    const campaignLink = page.locator('#survey .hint a[href*="campaign="]');
    expect(await campaignLink.count(), 'the demo has a closed campaign with responses').toBe(1);
    const campaign = new URL((await campaignLink.getAttribute('href'))!, base).searchParams.get('campaign')!;
    type Results = { groups: { group: string; drivers: { label: string }[] }[]; hiddenGroups: string[]; complementaryGroups: string[] };
    const results = await json<Results>(`/api/v1/surveys/results?campaign=${encodeURIComponent(campaign)}&by=team`);
    const seen = { shown: 0, hidden: 0 };
    for (const team of teams) {
      await open(`/teams/${encodeURIComponent(team)}`);
      const card = page.locator('#survey');
      const group = results.groups.find((g) => g.group === team);
      if (group) {
        seen.shown += 1;
        expect((await card.locator('tbody th').allTextContents()).sort(), team).toEqual(group.drivers.map((d) => d.label).sort());
        expect(await page.getByTestId('survey-hidden').count()).toBe(0);
        if (seen.shown === 1) await card.screenshot({ path: join(ARTIFACTS, 'team-survey-drivers.png') });
      } else {
        seen.hidden += 1;
        expect(await card.locator('table').count(), `${team}: no figures for a withheld group`).toBe(0);
        const why = (await page.getByTestId('survey-hidden').textContent()) ?? '';
        if (results.complementaryGroups.includes(team)) expect(why).toContain('withheld');
        else if (results.hiddenGroups.includes(team)) expect(why).toContain('fewer than');
        else expect(why).toContain('No one from');
      }
    }
    expect(seen.shown + seen.hidden).toBe(teams.length);
  });

  it('an unlinked incident is linked to a deployment from the incidents page, and moves to the linked list', async () => {
    await open(`/incidents?from=${month.from}&to=${month.to}`);
    const row = page.locator('#unlinked tbody tr').filter({ has: page.locator('select[name="deploymentId"]') }).first();
    expect(await row.count(), 'an unlinked incident with a deployment in the 7 days before it').toBe(1);
    const incident = (await row.getAttribute('data-incident'))!;
    const select = row.locator('select[name="deploymentId"]');
    const deployment = await select.locator('option:not([disabled])').first().getAttribute('value');
    await select.selectOption(deployment!);
    await row.getByRole('button', { name: 'Confirm link' }).click();
    await page.waitForURL(/saved=confirm/, { timeout: 60_000 });
    await page.getByText('Override saved and the metrics recomputed').waitFor();
    const moved = page.locator(`#linked tbody tr[data-incident="${incident}"]`);
    await moved.first().waitFor();
    expect(await moved.getAttribute('data-method')).toBe('override');
    expect(await page.locator(`#unlinked tbody tr[data-incident="${incident}"]`).count()).toBe(0);
    await shot('incidents-after-override');
  });
}, 120_000);
