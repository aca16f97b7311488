/**
 * Every documented route's real answer matches its schema in /api/openapi.json: a demo Paved
 * (`paved start --scale small`, embedded warehouse) is asked each /api/v1 route, /api/health and the
 * admin reads, and each JSON body is validated with Ajv (JSON Schema 2020-12) against the schema the
 * document gives for that path, method and status. Needs a dashboard build (PAVED_DASHBOARD_DIST).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_TABLES, ExplainMetric, lastNinetyDays } from '@paved/schemas';
import { apiDocument } from '../lib/openapi.js';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, type DemoPaved, openPage, ROOT, startDemoPaved } from './harness.js';

const AXE = createRequire(import.meta.url).resolve('axe-core');

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, unknown>;
const openapi = apiDocument() as { paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> }>> };
const ajv = addFormats(new Ajv2020({ strict: false, validateSchema: false, allErrors: true }));
ajv.addSchema(apiDocument(), 'openapi.json');

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** The validator of the JSON body the document gives for this operation and status (following a shared response's $ref). */
function schemaFor(method: string, path: string, status: number): ValidateFunction {
  const response = openapi.paths[path]?.[method]?.responses[String(status)];
  if (!response) throw new Error(`${method.toUpperCase()} ${path} documents no ${status}`);
  const base = response.$ref ? response.$ref.slice(2) : pointer('paths', path, method, 'responses', String(status));
  const validate = ajv.getSchema(`openapi.json#/${base}/content/application~1json/schema`);
  if (!validate) throw new Error(`${method.toUpperCase()} ${path} ${status} has no JSON schema`);
  return validate;
}

/** method + documented path of each validated 2xx answer, to check that every documented read was asked. */
const validated = new Set<string>();
let paved: DemoPaved;
const { from, to } = lastNinetyDays();

/** Asks a route and checks its answer against the document; returns the body. */
async function call(method: 'get' | 'post', documentedPath: string, url: string, expectedStatus = 200, init: RequestInit = {}): Promise<Json> {
  const response = await fetch(`${paved.base}${url}`, { method: method.toUpperCase(), ...init });
  const text = await response.text();
  expect(response.status, `${method.toUpperCase()} ${url}: ${text.slice(0, 400)}`).toBe(expectedStatus);
  expect(response.headers.get('content-type'), url).toMatch(/^application\/json/);
  const body = JSON.parse(text) as Json;
  const validate = schemaFor(method, documentedPath, expectedStatus);
  if (!validate(body)) expect.fail(`${method.toUpperCase()} ${url} (${expectedStatus}) does not match its schema in /api/openapi.json:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  if (expectedStatus < 300) validated.add(`${method} ${documentedPath}`);
  return body;
}

describe('real answers match /api/openapi.json', () => {
  beforeAll(async () => {
    paved = await startDemoPaved();
  }, 240_000);

  afterAll(async () => {
    await paved?.stop();
  }, 30_000);

  it('GET /api/openapi.json serves the generated document, without credentials', async () => {
    const response = await fetch(`${paved.base}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(apiDocument())));
    validated.add('get /api/openapi.json');
  });

  it('/api/health (200 when healthy, 503 with the same body when a part is not)', async () => {
    const status = (await fetch(`${paved.base}/api/health`)).status;
    expect([200, 503]).toContain(status);
    await call('get', '/api/health', '/api/health', status);
    validated.add('get /api/health');
  });

  it('/api/v1/metrics/dora: default window, and a team with a profile and golden-path filter', async () => {
    const dora = await call('get', '/api/v1/metrics/dora', '/api/v1/metrics/dora');
    expect((dora.deploymentFrequency as { deployments: number }).deployments).toBeGreaterThan(0);
    await call('get', '/api/v1/metrics/flow', `/api/v1/metrics/flow?from=${from}&to=${to}`);
    const adoption = await call('get', '/api/v1/metrics/adoption', `/api/v1/metrics/adoption?from=${from}&to=${to}`);
    const team = (adoption.teams as { team: string }[])[0]!.team;
    await call('get', '/api/v1/metrics/dora', `/api/v1/metrics/dora?from=${from}&to=${to}&team=${encodeURIComponent(team)}&profile=2024&goldenPath=true`);
    await call('get', '/api/v1/metrics/flow', `/api/v1/metrics/flow?from=${from}&to=${to}&team=${encodeURIComponent(team)}`);
  });

  it('/api/v1/metrics/dora/explain for every metric, and for one deployment', async () => {
    let deploymentId: string | undefined;
    for (const metric of ExplainMetric.options) {
      const rows = await call('get', '/api/v1/metrics/dora/explain', `/api/v1/metrics/dora/explain?metric=${metric}&from=${from}&to=${to}&limit=50`);
      deploymentId ??= (rows.deployments as { id: string }[])[0]?.id;
    }
    expect(deploymentId).toBeTruthy();
    await call('get', '/api/v1/metrics/dora/explain', `/api/v1/metrics/dora/explain?metric=leadTime&from=${from}&to=${to}&deployment=${encodeURIComponent(deploymentId!)}`);
  });

  it('/api/v1/metrics/adoption, /api/v1/roadmap and /api/v1/roi', async () => {
    await call('get', '/api/v1/metrics/adoption', `/api/v1/metrics/adoption?from=${from}&to=${to}`);
    await call('get', '/api/v1/roadmap', `/api/v1/roadmap?from=${from}&to=${to}`);
    const roi = await call('get', '/api/v1/roi', `/api/v1/roi?from=${from}&to=${to}`);
    expect((roi.figures as unknown[]).length).toBeGreaterThan(0);
  });

  it('/api/v1/surveys/campaigns and /api/v1/surveys/results (by team and by tenure; CSV)', async () => {
    const { campaigns } = await call('get', '/api/v1/surveys/campaigns', '/api/v1/surveys/campaigns') as { campaigns: { id: string }[] };
    expect(campaigns.length).toBeGreaterThan(0);
    await call('get', '/api/v1/surveys/results', '/api/v1/surveys/results');
    await call('get', '/api/v1/surveys/results', `/api/v1/surveys/results?campaign=${encodeURIComponent(campaigns[0]!.id)}&by=tenure`);
    const csv = await fetch(`${paved.base}/api/v1/surveys/results?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  });

  it('/api/v1/export/{table}: every table is CSV with a header row, with or without .csv', async () => {
    for (const table of EXPORT_TABLES) {
      for (const name of [table, `${table}.csv`]) {
        const response = await fetch(`${paved.base}/api/v1/export/${name}?from=${from}&to=${to}`);
        expect(response.status, name).toBe(200);
        expect(response.headers.get('content-type'), name).toMatch(/^text\/csv/);
        expect((await response.text()).split('\n')[0]!.length, name).toBeGreaterThan(0);
      }
    }
    validated.add('get /api/v1/export/{table}');
    await call('get', '/api/v1/export/{table}', '/api/v1/export/nosuchtable.csv', 404);
  });

  it('admin reads (loopback: the local user is admin)', async () => {
    await call('get', '/api/admin/roi', '/api/admin/roi');
    await call('get', '/api/admin/overrides', '/api/admin/overrides');
    // `paved start` runs GitHub connections in the server: its state is a 200 (the separate dashboard service answers 501).
    await call('get', '/api/admin/connect/github', '/api/admin/connect/github');
  });

  it('a bad parameter is a 400 that names it and what is allowed, as the document says', async () => {
    const day = await call('get', '/api/v1/metrics/dora', '/api/v1/metrics/dora?from=2026-11-31', 400);
    expect(day.issues).toEqual([{ parameter: 'from', message: 'from must be a date as YYYY-MM-DD: 2026-11-31: November 2026 has 30 days' }]);
    const team = await call('get', '/api/v1/metrics/dora', '/api/v1/metrics/dora?team=nosuchteam', 400);
    expect(team.issues).toEqual([expect.objectContaining({ parameter: 'team' })]);
    expect((team.known as string[]).length).toBeGreaterThan(0);
    const metric = await call('get', '/api/v1/metrics/dora/explain', `/api/v1/metrics/dora/explain?metric=speed&from=${from}&to=${to}`, 400);
    expect(metric.issues).toEqual([{ parameter: 'metric', message: `metric must be one of ${ExplainMetric.options.join(', ')}` }]);
    const order = await call('get', '/api/v1/roi', `/api/v1/roi?from=${to}&to=${from}`, 400);
    expect(order.issues).toEqual([{ parameter: 'to', message: 'from must be before to (the window is [from, to))' }]);
    const by = await call('get', '/api/v1/surveys/results', '/api/v1/surveys/results?by=age', 400);
    expect(by.issues).toEqual([{ parameter: 'by', message: 'by must be team, tenure or role' }]);
  });

  it.skipIf(!existsSync(CHROMIUM))('the reference page /docs/api lists every operation, fits a phone and passes axe-core (screenshot for docs/api.md)', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      for (const { width, height, isMobile } of [{ width: 1366, height: 900, isMobile: false }, { width: 390, height: 844, isMobile: true }]) {
        const page = await browser.newPage({ viewport: { width, height }, isMobile, colorScheme: 'light' });
        await openPage(page, `${paved.base}/docs/api`);
        for (const [path, ops] of Object.entries(openapi.paths)) {
          for (const op of Object.values(ops) as { operationId?: string }[]) expect(await page.locator(`section#${op.operationId}`).count(), path).toBe(1);
        }
        expect(await page.locator('#schema-DoraResult').count()).toBe(1);
        // Tables that scroll on a phone become focusable regions once the page is hydrated (components/ScrollRegions.tsx).
        await page.waitForTimeout(500);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scrollWidth, `page width at ${width} px`).toBeLessThanOrEqual(width);
        await page.addScriptTag({ path: AXE });
        const serious = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }> } }).axe;
          const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
          return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
        });
        expect(serious, `axe at ${width} px`).toEqual([]);
        if (!isMobile) {
          mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
          await page.locator('#getDoraMetrics').scrollIntoViewIfNeeded();
          await page.screenshot({ path: join(ROOT, 'docs', 'img', 'api-reference.png') });
        }
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });

  it('every documented read under /api/v1 (and health, the document, admin reads) was asked and matched', () => {
    const reads = Object.entries(openapi.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => m === 'get').map((m) => `${m} ${path}`));
    expect([...validated].sort()).toEqual(reads.sort());
  });
});
