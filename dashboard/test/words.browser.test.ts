/**
 * Charts and words in a real browser against a running Paved with the small demo organisation:
 * value-axis labels are whole (not "5,000" for 15,000), duration axes have round ticks in the
 * unit they are written in and benchmark lines sit at their value, every page writes durations by
 * one rule (hours under 48 h, days from 48 h), each DORA key says what it measures and which way is
 * good, levels say "low = worse", recovery and time to restore are told apart, the Roadmap speaks
 * in words, and a campaign's page counts the links it just downloaded without a reload and guards
 * against making them twice.
 *
 * Needs Chromium and a dashboard build (PAVED_DASHBOARD_DIST picks the build directory).
 *   PAVED_DASHBOARD_DIST=.next-x pnpm vitest run dashboard/test/words.browser.test.ts
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, type DemoPaved, openPage, ROOT, startDemoPaved } from './harness.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');

/** Every page a user reads numbers on. */
const PAGES = ['/', '/dora', '/dora?by=team', '/dora/explain?metric=leadTime', '/dora/explain?metric=recovery', '/flow', '/adoption', '/incidents', '/surveys', '/roadmap', '/roi'];

/** Hours from an axis label written by the rule: "0", "6h", "0.5h", "2d". */
function tickHours(text: string): number {
  if (text === '0') return 0;
  const match = /^([\d.]+)([hd])$/.exec(text);
  if (!match) throw new Error(`not a duration tick: "${text}"`);
  return Number(match[1]) * (match[2] === 'd' ? 24 : 1);
}

/** "elite < 1 h" / "high < 7 d" → hours. */
function referenceHours(label: string): number {
  const match = /<\s*([\d.]+)\s*([hd])\b/.exec(label);
  if (!match) throw new Error(`no duration in the reference label "${label}"`);
  return Number(match[1]) * (match[2] === 'd' ? 24 : 1);
}

describe.skipIf(!existsSync(CHROMIUM))('charts and words in a browser (small demo organisation)', () => {
  let paved: DemoPaved;
  let browser: Browser;
  let page: Page;
  let base: string;

  async function open(path: string, target: Page = page): Promise<void> {
    await openPage(target, base + path);
  }

  /** A chart's figure, named by its heading (ChartFrame's aria-labelledby). */
  function chartFigure(id: string): Locator {
    return page.locator(`figure[aria-labelledby="${id}-title"]`);
  }

  async function shot(name: string, target: Locator | Page = page): Promise<void> {
    await target.screenshot({ path: join(ARTIFACTS, `words-${name}.png`) });
  }

  /** The y-axis ticks of a chart: their text, centre and left edge, and the plot's left edge. */
  async function yAxis(chart: Locator) {
    await chart.locator('.recharts-surface').first().waitFor({ timeout: 15_000 });
    return chart.evaluate((figure) => {
      const surface = figure.querySelector('svg.recharts-surface')!.getBoundingClientRect();
      const ticks = [...figure.querySelectorAll('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value')].map((t) => {
        const box = (t as SVGGraphicsElement).getBoundingClientRect();
        return { text: (t.textContent ?? '').trim(), y: box.top + box.height / 2, left: box.left, right: box.right };
      });
      // Recharts 3 draws reference-line labels in a layer of their own: pair the horizontal lines with
      // the benchmark labels ("elite < 1 h") in drawing order (vertical markers have other labels).
      const lines = [...figure.querySelectorAll('.recharts-reference-line line')].filter((l) => l.getBoundingClientRect().height < 1);
      const labels = [...figure.querySelectorAll('text.recharts-label')].map((t) => (t.textContent ?? '').trim()).filter((t) => /<\s*[\d.]+\s*[hd]\b/.test(t));
      const references = lines.map((line, i) => ({ label: labels[i] ?? '', y: line.getBoundingClientRect().top + line.getBoundingClientRect().height / 2 }));
      return { surfaceLeft: surface.left, ticks, references };
    });
  }

  /** Ticks are whole, written by the duration rule, evenly spaced; each benchmark line sits where its value is on that scale. */
  async function checkDurationChart(chart: Locator, what: string): Promise<number> {
    const { surfaceLeft, ticks, references } = await yAxis(chart);
    expect(ticks.length, `${what}: y ticks ${ticks.map((t) => t.text).join(', ')}`).toBeGreaterThanOrEqual(2);
    for (const t of ticks) expect(t.left, `${what}: tick "${t.text}" starts inside the chart`).toBeGreaterThanOrEqual(surfaceLeft - 0.5);
    const values = ticks.map((t) => tickHours(t.text));
    // Linear scale from the first and last tick; every tick and benchmark line must sit on it.
    const [a, b] = [ticks[0]!, ticks.at(-1)!];
    const [va, vb] = [values[0]!, values.at(-1)!];
    const yOf = (v: number) => a.y + ((v - va) / (vb - va)) * (b.y - a.y);
    ticks.forEach((t, i) => expect(Math.abs(t.y - yOf(values[i]!)), `${what}: tick ${t.text}`).toBeLessThan(2));
    for (const r of references) {
      const value = referenceHours(r.label);
      expect(Math.abs(r.y - yOf(value)), `${what}: "${r.label}" line at ${r.y.toFixed(1)} px, ${value} h is at ${yOf(value).toFixed(1)} px on ticks ${ticks.map((t) => t.text).join(', ')}`).toBeLessThan(2);
    }
    return references.length;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    paved = await startDemoPaved();
    base = paved.base;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, colorScheme: 'light', acceptDownloads: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await paved?.stop();
  }, 30_000);

  it('the lead-time distribution writes its counts whole ("15,000", not "5,000"), and every value axis fits its labels', async () => {
    await open('/dora');
    const histogram = chartFigure('chart-histogram');
    await histogram.scrollIntoViewIfNeeded();
    const { surfaceLeft, ticks } = await yAxis(histogram);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (const t of ticks) {
      expect(t.text).toMatch(/^\d{1,3}(,\d{3})*$/);
      expect(t.left, `tick "${t.text}" is cut at the chart's left edge`).toBeGreaterThanOrEqual(surfaceLeft - 0.5);
    }
    await shot('histogram', histogram);
    // Every chart on the page: no label starts left of its chart.
    for (const figure of await page.locator('figure.chart').all()) {
      if (!(await figure.locator('.recharts-yAxis').count())) continue;
      const axis = await yAxis(figure);
      for (const t of axis.ticks) expect(t.left, `"${t.text}" in ${await figure.getAttribute('aria-labelledby')}`).toBeGreaterThanOrEqual(axis.surfaceLeft - 0.5);
    }
  }, 60_000);

  it('recovery and lead-time charts of the organisation and of every team: round ticks, benchmark lines at their value', async () => {
    const teams = (await (await page.request.get(`${base}/api/v1/export/teams`)).text()).trim().split('\n').slice(1).map((line) => line.split(',')[0]!.replace(/"/g, '')).filter(Boolean);
    expect(teams.length).toBeGreaterThan(1);
    let lines = 0;
    for (const scope of ['', ...teams.map((t) => `?team=${encodeURIComponent(t)}`)]) {
      await open(`/dora${scope}`);
      for (const id of ['chart-recovery', 'chart-lead']) {
        const chart = chartFigure(id);
        if (!(await chart.locator('.recharts-line').count())) continue;
        await chart.scrollIntoViewIfNeeded();
        lines += await checkDurationChart(chart, `${id} ${scope || 'organisation'}`);
      }
      if (scope === `?team=${encodeURIComponent(teams[0]!)}`) await shot('team-recovery', chartFigure('chart-recovery'));
    }
    // The check saw benchmark lines, not just axes.
    expect(lines).toBeGreaterThan(0);
  }, 180_000);

  it('every page writes durations by one rule: hours under 48 h, days from 48 h, never weeks or months', async () => {
    for (const path of PAGES) {
      await open(path);
      const text = await page.locator('main').innerText();
      const hoursOver = [...text.matchAll(/(?<![\w.,])(\d+(?:[.,]\d+)?)\s?h\b(?! ago)/g)].filter((m) => Number(m[1]!.replace(',', '')) >= 48 && !/window|lost|a week/.test(text.slice(m.index!, m.index! + 40)));
      expect(hoursOver.map((m) => m[0]), `${path}: durations of 48 h or more written in hours`).toEqual([]);
      expect(text, `${path}: no weeks, months or years as units`).not.toMatch(/\d\s?(wk|mo|yr)\b/);
    }
  }, 120_000);

  it('each key says what it measures and which way is good; levels say low = worse; deploy days in words', async () => {
    await open('/');
    const cards = page.locator('a.key-card');
    expect(await cards.count()).toBe(5);
    for (const card of await cards.all()) expect(await card.locator('.key-explain').innerText()).toMatch(/(Higher|Lower) is better\.$/);
    const main = await page.locator('main').innerText();
    expect(main).not.toContain('deploy days/week');
    expect(main).toMatch(/deploys on [\d.]+ of 7 days in a typical week/);
    await expect.poll(() => page.getByTestId('levels-explained').innerText()).toMatch(/best to worst: Elite, High, Medium, Low\. Low is always bad news/);
    const badge = page.locator('a.key-card .badge.low, a.key-card .badge.medium, a.key-card .badge.high, a.key-card .badge.elite').first();
    expect(await badge.getAttribute('title')).toMatch(/of four levels .*\((good|needs work)\)$/);
    await shot('overview-keys', page.locator('section[aria-label="The five DORA keys"]'));

    await open('/dora');
    for (const stat of await page.locator('.stats a.stat').all()) expect(await stat.locator('.stat-explain').innerText()).toMatch(/is better\.$/);
    await open('/dora/explain?metric=changeFailureRate');
    expect(await page.getByTestId('metric-meaning').innerText()).toMatch(/^What it measures: .+ Lower is better/);
  });

  it('the recovery card keeps failed-deployment recovery and time to restore apart', async () => {
    await open('/');
    const card = page.locator('a.key-card[data-metric="recovery"]');
    expect(await card.locator('.key-name').innerText()).toBe('Failed deployment recovery');
    const detail = await card.locator('.key-detail').innerText();
    expect(detail).toMatch(/^\d+ of \d+ failed deployments? recovered/);
    expect(detail).toMatch(/Not the same: time to restore service \(incidents of any cause, no level\) p50 .+ over \d+ incidents?/);
    await open('/dora/explain?metric=recovery');
    expect(await page.getByTestId('time-to-restore').innerText()).toMatch(/^A different number, for context: time to restore service/);
  });

  it('survey flags say good or bad in words, never "is low" for a level', async () => {
    await open('/surveys');
    const joined = page.locator('#joined');
    if (await joined.count()) {
      const text = await joined.innerText();
      expect(text).not.toMatch(/\bis (low|medium|high|elite)\b/);
      for (const reason of await joined.locator('tr.highlight td:last-child .muted').allInnerTexts()) expect(reason).toMatch(/is (poor|good): .+, level (elite|high|medium|low) \(the .+ of four levels\)/);
    }
  });

  it('the Roadmap explains its score in words (the formula one click away) and never quotes the same answer twice', async () => {
    await open('/roadmap');
    const friction = page.locator('#friction');
    const hint = await friction.locator('.card-head .hint').innerText();
    expect(hint).toMatch(/friction score from 0 to 100/);
    expect(hint).not.toMatch(/\bU\b|\bG\b|score = 100/);
    expect(await friction.getByTestId('score-formula').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    const entries = await friction.locator('li.roadmap-entry').all();
    for (const entry of entries) {
      expect(await entry.innerText()).not.toMatch(/ U [\d.]+ · G /);
      const quotes = (await entry.locator('blockquote').allInnerTexts()).map((q) => q.trim().toLowerCase());
      expect(new Set(quotes).size, `quotes of one entry: ${quotes.join(' | ')}`).toBe(quotes.length);
    }
    await shot('roadmap');
  });

  it('a campaign counts the links it just downloaded without a reload, and making links again needs a confirmation', async () => {
    const teams = (await (await page.request.get(`${base}/api/v1/export/teams`)).text()).trim().split('\n').slice(1).map((line) => line.split(',')[0]!.replace(/"/g, ''));
    const today = new Date().toISOString().slice(0, 10);
    const later = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
    // A state-changing admin call from a Paved page carries its Origin (loopback, no sign-in configured).
    const created = await page.request.post(`${base}/api/admin/surveys`, { headers: { origin: base }, data: { id: 'words-invites', audience: [teams[0]], opens: today, closes: later } });
    expect(created.status(), await created.text()).toBe(201);
    await open('/surveys/admin/words-invites');
    const invites = page.locator('#invites');
    expect(await invites.locator('.hint').innerText()).toMatch(/^0 links issued/);
    const list = join(ARTIFACTS, 'words-invitees.csv');
    await import('node:fs').then((fs) => fs.writeFileSync(list, `email,team\na@example.com,${teams[0]}\nb@example.com,${teams[0]}\nc@example.com,${teams[0]}\n`));
    await invites.locator('input[type=file][name=emails]').setInputFiles(list);
    const [download] = await Promise.all([page.waitForEvent('download'), invites.getByRole('button', { name: 'Create links' }).click()]);
    const saved = join(ARTIFACTS, 'words-invites-download.csv');
    await download.saveAs(saved);
    expect(readFileSync(saved, 'utf8').trim().split('\n')).toHaveLength(4);
    // The count is right at once, without reloading.
    await expect.poll(() => invites.locator('.hint').innerText(), { timeout: 10_000 }).toMatch(/^3 links issued/);
    await expect.poll(() => page.getByTestId('links-created').innerText()).toMatch(/^3 links created and downloaded/);
    await shot('invites', invites);
    // Again with the same list: the form will not go until the list is confirmed as new people.
    await invites.locator('input[type=file][name=emails]').setInputFiles(list);
    const form = invites.getByTestId('invite-form');
    expect(await form.evaluate((f) => (f as HTMLFormElement).checkValidity())).toBe(false);
    expect(await page.getByTestId('new-people').innerText()).toMatch(/3 links were already issued: everyone on this list is new/);
    await invites.getByRole('button', { name: 'Create links' }).click();
    await page.waitForTimeout(500);
    expect(await invites.locator('.hint').innerText()).toMatch(/^3 links issued/);
  });

  it('a new campaign without responses does not become the default results view', async () => {
    await open('/surveys');
    const select = page.locator('select[name=campaign]');
    // words-invites (created above, open, nobody answered) is listed, but the page opens on a campaign with answers.
    expect(await select.locator('option').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('words-invites')]));
    expect(await select.inputValue()).not.toBe('words-invites');
  });
});
