import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PavedConfig, RoiResult } from '@paved/schemas';
import { doraMetrics, rebuildDoraDaily } from '@paved/transform';
import { roiSummary } from '../src/roadmap/roi.js';
import type { SurveySource } from '../src/roadmap/survey-source.js';
import { openTestWarehouse } from '../../transform/test/harness.js';

/*
 * ROI from hand-built rows of t_changes and t_deployment_facts (the tables the lead-time and
 * failure effects are resampled from). Two pairs of 31-day windows:
 * - January → February: lead time p50 50 h → 48 h (−4 %) over 40 deployments spread 0–100 h, and
 *   5 failures of about 4 h in each: noise, so no amount.
 * - June → July: lead time 40–80 h → 10–30 h, 30 failures of 10 h → 2 of 1 h: clear effects.
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const config = PavedConfig.parse({ roi: { costPerEngineeringHour: 100, currency: 'USD', workingWeeksPerYear: 46, peopleInvolvedPerFailure: 2 } });
const noSurvey: SurveySource = { results: async () => null, metricMapping: {}, bands: { pickupTime: [1, 2, 3], reworkRate: [0.1, 0.2, 0.3] } };

const at = (start: string, hours: number) => new Date(Date.parse(`${start}T00:00:00Z`) + hours * 3_600_000).toISOString().replace('T', ' ').replace('Z', '');

function window(start: string, prefix: string, leads: number[], failures: (number | null)[], golden: (i: number) => boolean) {
  const changes: Record<string, unknown>[] = [];
  const facts: Record<string, unknown>[] = [];
  const n = Math.max(leads.length, failures.length + 10);
  for (let i = 0; i < n; i += 1) {
    const id = `${prefix}-${i}`;
    const deployedAt = at(start, 6 + i * 12);
    const failed = i < failures.length;
    const base = { service: golden(i) ? 'paved' : 'legacy', team: 'core', golden_path: golden(i), deployed_at: deployedAt, repo: 'acme/app' };
    facts.push({
      ...base, id, via_platform: golden(i), sha: `${id}-sha`, next_deployed_at: null, change_set_method: 'push', commits: 1, failed,
      failure_methods: failed ? ['incident'] : [], linked_incidents: failed ? 1 : 0, resolved_incidents: failed ? 1 : 0, recovery_at: null,
      recovery_hours: failed ? failures[i] : null, rework: false, rework_reasons: [], is_rollback: false, creator_login: null, workflow_name: null, url: null,
    });
    if (i < leads.length) changes.push({ ...base, deployment_id: id, sha: `${id}-sha`, via: 'push', authored_at: null, lead_hours: leads[i], is_revert: false, pr_number: null, fix_pr: false });
  }
  return { changes, facts };
}

const spread = Array.from({ length: 40 }, (_, i) => (i === 19 || i === 20 ? 50 : i * 2.5 + 0.5));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  env = await openTestWarehouse();
  const parts = [
    window('2026-01-01', 'jan', spread, [3, 4, 4, 5, 6], (i) => i % 2 === 0),
    window('2026-02-01', 'feb', spread.map((h) => h - 2), [3, 4, 5, 5, 6], (i) => i % 2 === 1),
    window('2026-06-01', 'jun', range(40, 80), Array.from({ length: 30 }, () => 10), () => false),
    window('2026-07-02', 'jul', range(10, 30), [1, 1], () => true),
  ];
  await env.warehouse.insert('t_changes', parts.flatMap((p) => p.changes));
  await env.warehouse.insert('t_deployment_facts', parts.flatMap((p) => p.facts));
  await rebuildDoraDaily(env.warehouse);
}, 120_000);
afterAll(async () => env?.close());

describe('ROI from the warehouse', () => {
  it('January → February: a 4 % change in lead time p50 is not distinguishable from zero, and the JSON carries no amount for it', async () => {
    const roi = RoiResult.parse(await roiSummary(env.warehouse, config, { from: '2026-02-01', to: '2026-03-04' }, noSurvey));
    const lead = roi.figures.find((f) => f.id === 'leadTimeReturned')!;
    expect(lead.inputs.find((i) => i.name === 'Lead time p50, previous period')?.value).toBe(50);
    expect(lead.inputs.find((i) => i.name === 'Lead time p50, this period')?.value).toBe(48);
    // The same p50 as the DORA lead time (quantileExactInclusive over the same changes).
    expect((await doraMetrics(env.warehouse, { from: '2026-01-01', to: '2026-02-01' })).leadTime.p50Hours).toBe(50);
    expect((await doraMetrics(env.warehouse, { from: '2026-02-01', to: '2026-03-04' })).leadTime.p50Hours).toBe(48);
    expect(lead.effect).toMatchObject({ estimate: 2, resamples: 1000 });
    expect(lead.effect!.low!).toBeLessThan(0);
    expect(lead.significant).toBe(false);
    expect([lead.low, lead.mid, lead.high]).toEqual([null, null, null]);
    const failures = roi.figures.find((f) => f.id === 'failureReturned')!;
    expect(failures.significant).toBe(false);
    expect(failures.mid).toBeNull();
    // Golden path: 5 of the 25 even-numbered deployments failed against 5 of the others — nothing to tell apart.
    expect(roi.figures.find((f) => f.id === 'adoptionDividend')!.mid).toBeNull();
    expect(roi.period).toMatchObject({ per: 'year', windowDays: 31 });
    expect(roi.figures.every((f) => f.period === 'per year')).toBe(true);
  });

  it('June → July: clear effects have amounts with intervals, annualised by 365 / 31', async () => {
    const roi = RoiResult.parse(await roiSummary(env.warehouse, config, { from: '2026-07-02', to: '2026-08-02' }, noSurvey));
    const lead = roi.figures.find((f) => f.id === 'leadTimeReturned')!;
    expect(lead.significant).toBe(true);
    expect(lead.effect!.estimate).toBe(40);
    // 40 h × 21 deployments × 10 % × 100/h × 365 / 31.
    expect(lead.mid).toBe(Math.round(40 * 21 * 0.1 * 100 * (365 / 31)));
    expect(lead.low! < lead.mid! && lead.mid! < lead.high!).toBe(true);
    const failures = roi.figures.find((f) => f.id === 'failureReturned')!;
    expect(failures.significant).toBe(true);
    // (30 × 10 h − 2 × 1 h) × 2 people × 100/h × 365 / 31.
    expect(failures.mid).toBe(Math.round(298 * 2 * 100 * (365 / 31)));
    expect(failures.effect!.low!).toBeGreaterThan(0);
  });

  it('the same window twice gives the same intervals (seeded resampling)', async () => {
    const a = await roiSummary(env.warehouse, config, { from: '2026-02-01', to: '2026-03-04' }, noSurvey);
    const b = await roiSummary(env.warehouse, config, { from: '2026-02-01', to: '2026-03-04' }, noSurvey);
    expect(b.figures.map((f) => f.effect)).toEqual(a.figures.map((f) => f.effect));
  });

  it('no survey: the friction figures have no amount and developers are none known', async () => {
    const roi = await roiSummary(env.warehouse, config, { from: '2026-02-01', to: '2026-03-04' }, noSurvey);
    expect(roi.developers).toMatchObject({ count: 0, basis: 'none' });
    expect(roi.figures.find((f) => f.id === 'frictionCost')!.mid).toBeNull();
    expect(roi.figures.find((f) => f.id === 'frictionCostChange')!.mid).toBeNull();
  });
});
