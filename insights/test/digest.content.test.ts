import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PavedConfig } from '@paved/schemas';
import { buildDigest, digestTeams, type DigestContent, type SurveySummaryHook } from '../src/digest/content.js';
import { renderDigest } from '../src/digest/render.js';
import { defaultMetricSettings, runTransform } from '@paved/transform';
import { digestHistory, W11 } from './digest.history.js';
import { openTestWarehouse } from '../../transform/test/harness.js';

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const config = PavedConfig.parse({ catalog: { teams: [{ name: 'platform' }] } });
const now = new Date('2026-03-16T09:00:00Z');

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.ingest(digestHistory().flatMap((h) => h.events));
  await runTransform(env.warehouse, defaultMetricSettings);
}, 120_000);
afterAll(async () => env?.close());

const key = (c: DigestContent, name: string) => c.keys.find((k) => k.key === name);

describe('weekly digest content (two teams over two weeks)', () => {
  it('organisation: the five keys for the week, the week before and the 4 weeks before', async () => {
    const c = await buildDigest(env.warehouse, config, { week: W11, now });
    expect(c.team).toBeNull();
    expect(key(c, 'deploymentFrequency')).toMatchObject({ value: 5, previousWeek: 6, fourWeeks: 1.5, sample: '5 deployments' });
    expect(key(c, 'leadTime')).toMatchObject({ value: 2, previousWeek: 2, fourWeeks: 2 });
    expect(key(c, 'changeFailureRate')).toMatchObject({ value: 0.2, previousWeek: 0, fourWeeks: 0, sample: '1 of 5 deployments' });
    expect(key(c, 'recovery')).toMatchObject({ value: 5, previousWeek: null });
    expect(key(c, 'reworkRate')).toMatchObject({ value: 0, previousWeek: 0 });
  });

  it('organisation: teams are the movers, the one that slowed down most first', async () => {
    const c = await buildDigest(env.warehouse, config, { week: W11, now });
    expect(c.movers.by).toBe('team');
    // search 4 → 1 deployments: log2(5/2) = 1.32; payments 2 → 4: log2(5/3) = 0.74
    expect(c.movers.rows.map((m) => [m.name, m.key, m.previousDeployments, m.deployments])).toEqual([
      ['search', 'deploymentFrequency', 4, 1],
      ['payments', 'deploymentFrequency', 2, 4],
    ]);
  });

  it('failed deployments come with their failure link, evidence and incident', async () => {
    const c = await buildDigest(env.warehouse, config, { week: W11, now });
    expect(c.failures.total).toBe(1);
    expect(c.failures.shown).toHaveLength(1);
    const [failed] = c.failures.shown;
    expect(failed).toMatchObject({ id: 'billing-5', service: 'billing', team: 'payments', recoveryHours: 5 });
    expect(failed!.links).toEqual([expect.objectContaining({ method: 'explicit', incident: expect.objectContaining({ id: 'INC-7', title: 'incident INC-7', status: 'resolved' }) })]);
    expect(failed!.links[0]!.evidence).toContain('INC-7');
    // People read the deployment by repository and sha (no pull request here); its id is only a link target.
    const text = renderDigest(c).text;
    expect(text.replace(/<https?:[^>]+>/g, '')).not.toContain('billing-5');
    expect(text).toMatch(/billing \(payments\): \S+ at [0-9a-f]{7}, deployed Wed 11 Mar 10:00 UTC/);
    expect(text).toContain('incident "incident INC-7" names this deployment');
  });

  it('adoption: golden-path share of deployments this week against the week before', async () => {
    const c = await buildDigest(env.warehouse, config, { week: W11, now });
    expect(c.adoption).toMatchObject({ deployments: 5, previousDeployments: 6, goldenShare: 0.8, previousGoldenShare: 0.3333 });
    expect(renderDigest(c).text).toContain('Golden-path share of deployments: 80 % (▲ +46.7 pp vs the week before)');
  });

  it('a team digest is scoped to the team, with its services as movers', async () => {
    const c = await buildDigest(env.warehouse, config, { week: W11, team: 'payments', now });
    expect(key(c, 'deploymentFrequency')).toMatchObject({ value: 4, previousWeek: 2 });
    // lead 1, 2, 3, 4 h → p50 2.5 h; the week before 2, 4 h → 3 h
    expect(key(c, 'leadTime')).toMatchObject({ value: 2.5, previousWeek: 3 });
    expect(key(c, 'changeFailureRate')).toMatchObject({ value: 0.25, previousWeek: 0 });
    expect(c.movers).toEqual({ by: 'service', rows: [expect.objectContaining({ name: 'billing', key: 'deploymentFrequency' })] });
    expect(c.adoption).toMatchObject({ goldenShare: 1, previousGoldenShare: 1 });
    const search = await buildDigest(env.warehouse, config, { week: W11, team: 'search', now });
    expect(search.failures.total).toBe(0);
  });

  it('without a surveys function the digest says "no survey results"; with one, it shows what the function returns', async () => {
    const none = await buildDigest(env.warehouse, config, { week: W11, now });
    expect(none.survey).toBeNull();
    expect(renderDigest(none).text).toContain('No survey results.');
    const seen: unknown[] = [];
    const hook: SurveySummaryHook = async (_w, _c, scope) => {
      seen.push(scope);
      return { title: 'DX 2026 Q1', campaign: { id: 'dx-2026-q1', title: 'DX 2026 Q1', status: 'closed' }, respondents: 14, participationRate: 0.7, lines: ['14 responses, 70 % participation.'] };
    };
    const withSurvey = await buildDigest(env.warehouse, config, { week: W11, team: 'payments', surveySummary: hook, now });
    expect(seen).toEqual([{ team: 'payments' }]);
    expect(withSurvey.survey).toEqual({ title: 'DX 2026 Q1', respondents: 14, participationRate: 0.7, lines: ['14 responses, 70 % participation.'] });
    expect(renderDigest(withSurvey).text).toContain('14 responses, 70 % participation.');
  });

  it('asks the surveys function about the survey as of the end of the week, not of a later campaign', async () => {
    const asked: (Date | undefined)[] = [];
    const hook: SurveySummaryHook = async (_w, _c, _scope, asOf) => {
      asked.push(asOf);
      return null;
    };
    // W11 ends on Monday 16 March 00:00; built a month later, the digest still speaks as of that Monday.
    await buildDigest(env.warehouse, config, { week: W11, surveySummary: hook, now: new Date('2026-04-16T09:00:00Z') });
    // Built during its own week, it speaks as of now (a campaign closing later that week is not released yet).
    await buildDigest(env.warehouse, config, { week: W11, surveySummary: hook, now: new Date('2026-03-12T09:00:00Z') });
    expect(asked.map((d) => d?.toISOString())).toEqual(['2026-03-16T00:00:00.000Z', '2026-03-12T09:00:00.000Z']);
  });

  it('data health: says when nothing arrived through the webhooks and lists delivery problems', async () => {
    const c = await buildDigest(env.warehouse, config, { week: W11, now, deliveryProblems: ['The slack digest 2026-W10 failed'] });
    expect(c.health.problems).toContain('No events have arrived from any source yet.');
    expect(c.health.problems).toContain('The slack digest 2026-W10 failed');
    expect(c.health.lastTransform?.status).toBe('ok');
  });

  it('teams: configured, with recipients, and seen in deployments', async () => {
    const withRecipients = PavedConfig.parse({ catalog: { teams: [{ name: 'platform' }] }, digest: { teamRecipients: { data: ['data@example.com'] } } });
    expect(await digestTeams(env.warehouse, withRecipients)).toEqual(['data', 'payments', 'platform', 'search']);
  });
});
