import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentsQuery, incidentFilterOptions, incidentsInWindow } from '../src/metrics/incidents.js';
import { setFailureLinkOverride } from '../src/metrics/overrides.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { event, openTestWarehouse } from './harness.js';
import { HistoryBuilder } from './history.js';

// March is the window. Each incident's right answer is written beside it.
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const MARCH = { from: '2026-03-01', to: '2026-04-01' };

const shop = new HistoryBuilder('acme/shop');
shop.service('shop', 'retail');
shop.push('2026-02-28T20:00', [['s-c0', '2026-02-28T19:00']]);
// Deployed in February, its incident opens on 1 March: a March incident (by incident date).
shop.deploy('shop-feb', 's-c0', '2026-02-28T22:00');
shop.incident('early-march', '2026-03-01T01:00', { resolved: '2026-03-01T03:00', service: 'shop' });
shop.push('2026-03-10T09:00', [['s-c1', '2026-03-10T08:00']]);
shop.deploy('shop-d1', 's-c1', '2026-03-10T10:00');
// Names its deployment: explicit, not inference.
shop.incident('named', '2026-03-10T12:00', { resolved: '2026-03-10T13:00', deploymentIds: ['shop-d1'] });
shop.push('2026-03-12T09:00', [['s-c2', '2026-03-12T08:00']]);
shop.deploy('shop-d2', 's-c2', '2026-03-12T10:00');
// 2 h after shop-d2 with nothing named: inferred, and shop-d2 rests on that alone.
shop.incident('timed', '2026-03-12T12:00', { resolved: '2026-03-12T15:00', service: 'shop' });
// 30 h after shop-d2: outside the 24 h window, linked to nothing.
shop.incident('late', '2026-03-13T16:00', { resolved: '2026-03-13T17:00', service: 'shop' });
// Names a deployment Paved never saw: unresolved, linked to nothing.
shop.incident('bad-ref', '2026-03-14T09:00', { deploymentIds: ['github:acme/shop:999999'] });
shop.push('2026-03-31T21:00', [['s-c3', '2026-03-31T20:00']]);
shop.deploy('shop-end', 's-c3', '2026-03-31T22:00');
// Deployed in March, but its incident opens on 1 April: an April incident.
shop.incident('april', '2026-04-01T02:00', { resolved: '2026-04-01T03:00', service: 'shop' });

const quiet = new HistoryBuilder('acme/quiet');
quiet.service('quiet', 'back-office');
// No production deployment of quiet at all.
quiet.incident('no-deploys', '2026-03-05T10:00', { service: 'quiet' });

const pagerduty = event('incident', {
  id: 'pd-critical', source: 'pagerduty', service: 'shop', repo: null, severity: 'critical', title: 'checkout down', status: 'resolved',
  opened_at: '2026-03-12T11:00:00.000Z', acknowledged_at: null, resolved_at: '2026-03-12T11:30:00.000Z', linked_deployment_ids: [], linked_shas: [], url: null,
  updated_at: '2026-03-12T11:30:00.000Z',
});

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.ingest([...shop.events, ...quiet.events, pagerduty]);
  await runTransform(env.warehouse, defaultMetricSettings);
}, 120_000);
afterAll(async () => env?.close());

const ids = (list: { id: string }[]) => list.map((i) => i.id).sort();

describe('incidents opened in a window, with their deployments', () => {
  it('lists incidents by the date they opened, not by their deployment\'s date', async () => {
    const march = await incidentsInWindow(env.warehouse, MARCH);
    const all = [...march.linked, ...march.unlinked];
    expect(ids(all)).toEqual(['bad-ref', 'early-march', 'late', 'named', 'no-deploys', 'pd-critical', 'timed']);
    expect(all.find((i) => i.id === 'early-march')!.links.map((l) => [l.deploymentId, l.method])).toEqual([['shop-feb', 'inferred']]);
    const april = await incidentsInWindow(env.warehouse, { from: '2026-04-01', to: '2026-05-01' });
    expect(april.linked.map((i) => [i.id, i.links.map((l) => l.deploymentId)])).toEqual([['april', ['shop-end']]]);
  });

  it('gives each linked incident its deployments with method and evidence', async () => {
    const { linked } = await incidentsInWindow(env.warehouse, MARCH);
    const named = linked.find((i) => i.id === 'named')!;
    expect(named.links).toHaveLength(1);
    expect(named.links[0]).toMatchObject({ deploymentId: 'shop-d1', method: 'explicit', service: 'shop', team: 'retail', inferenceOnly: false });
    expect(named.links[0]!.evidence).toContain('names deployment shop-d1');
    expect(named.inferenceOnly).toBe(false);
    const timed = linked.find((i) => i.id === 'timed')!;
    expect(timed.links.map((l) => [l.deploymentId, l.method, l.inferenceOnly])).toEqual([['shop-d2', 'inferred', true]]);
    expect(timed.links[0]!.evidence).toMatch(/opened 2 h after this deployment/);
    expect(timed.inferenceOnly).toBe(true);
  });

  it('keeps the unlinked ones in their own list, each with the reason', async () => {
    const { unlinked } = await incidentsInWindow(env.warehouse, MARCH);
    const why = Object.fromEntries(unlinked.map((i) => [i.id, i.unlinkedReason]));
    expect(why).toEqual({ late: 'outside_window', 'bad-ref': 'unresolved_reference', 'no-deploys': 'no_deployment' });
    const late = unlinked.find((i) => i.id === 'late')!;
    expect(late.candidates.map((c) => [c.deploymentId, c.hoursBefore])).toEqual([['shop-d2', 30], ['shop-d1', 78]]);
    expect(late.unlinkedExplanation).toContain('30 h before it opened, outside the 24 h inference window');
    expect(unlinked.find((i) => i.id === 'bad-ref')!.unlinkedExplanation).toContain('github:acme/shop:999999');
  });

  it('counts the failures that rest on timing inference alone', async () => {
    const { summary } = await incidentsInWindow(env.warehouse, MARCH);
    // early-march (shop-feb), timed and pd-critical (both shop-d2, 2 h and 1 h after it) are inferred; named is explicit (shop-d1).
    expect(summary).toEqual({
      incidents: 7, linked: 4, unlinked: 3, inferenceOnlyIncidents: 3,
      linkedDeployments: 3, inferenceOnlyDeployments: 2,
      // Deployed in March: shop-d1 (named), shop-d2 (inferred only), shop-end (its incident opens in April, inferred only).
      windowFailedDeployments: 3, windowInferenceOnly: 2,
    });
  });

  it('filters by team, service, severity and source', async () => {
    expect(ids((await incidentsInWindow(env.warehouse, { ...MARCH, team: 'back-office' })).unlinked)).toEqual(['no-deploys']);
    const shopOnly = await incidentsInWindow(env.warehouse, { ...MARCH, service: 'shop' });
    expect(shopOnly.summary.incidents).toBe(6);
    const critical = await incidentsInWindow(env.warehouse, { ...MARCH, severity: 'critical' });
    expect(ids(critical.linked)).toEqual(['pd-critical']);
    expect(critical.summary.incidents).toBe(1);
    const pd = await incidentsInWindow(env.warehouse, { ...MARCH, source: 'pagerduty' });
    expect(ids([...pd.linked, ...pd.unlinked])).toEqual(['pd-critical']);
    expect(await incidentFilterOptions(env.warehouse)).toEqual({
      teams: ['back-office', 'retail'], services: ['quiet', 'shop'], severities: ['critical', 'high'], sources: ['generic', 'pagerduty'],
    });
  });

  it('lists at most `limit` incidents but counts them all', async () => {
    const few = await incidentsInWindow(env.warehouse, MARCH, { limit: 2 });
    expect(few.linked.length + few.unlinked.length).toBe(2);
    expect(few.truncated).toBe(true);
    expect(few.summary.incidents).toBe(7);
  });

  it('rejects a window that ends before it starts, and a date that does not exist', () => {
    expect(IncidentsQuery.safeParse({ from: '2026-04-01', to: '2026-03-01' }).error?.issues[0]?.message).toContain('from must be before to');
    expect(IncidentsQuery.safeParse({ from: '2026-02-30', to: '2026-03-01' }).error?.issues[0]?.message).toContain('from must be a date');
  });

  it('a person rejecting the only link moves the incident to the unlinked list, with that reason', async () => {
    await setFailureLinkOverride(env.warehouse, { deploymentId: 'shop-d2', incidentId: 'timed', verdict: 'reject', note: 'provider outage' }, 'test');
    await runTransform(env.warehouse, defaultMetricSettings);
    const after = await incidentsInWindow(env.warehouse, MARCH);
    const timed = after.unlinked.find((i) => i.id === 'timed');
    expect(timed?.unlinkedReason).toBe('rejected');
    expect(after.summary).toMatchObject({ linked: 3, unlinked: 4 });
    // The other incident inferred onto shop-d2 still counts it as failed.
    expect(after.linked.find((i) => i.id === 'pd-critical')!.links.map((l) => l.deploymentId)).toEqual(['shop-d2']);
  }, 60_000);
});
