import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { changeSetAttributionHealth } from '../src/metrics/attribution.js';
import { doraMetrics } from '../src/metrics/dora.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings, type MetricSettings } from '../src/metrics/settings.js';
import { openTestWarehouse } from './harness.js';
import { HistoryBuilder, sha } from './history.js';

/*
 * Change sets on monorepos and force pushes (docs/metrics.md, "Change set"). Every expected number
 * is worked out by hand in the comments beside the history.
 */

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const WEEK = { from: '2026-03-02', to: '2026-03-09' };

// Two services of one monorepo. libs/ is shared in acme/shop; docs/ is shared only in another repository.
const settings: MetricSettings = {
  ...defaultMetricSettings,
  sharedPaths: [{ repo: 'acme/shop', path: 'libs/' }, { repo: 'acme/elsewhere', path: 'docs' }],
};
const shop = new HistoryBuilder('acme/shop');
shop.service('cart', 'shop', { path: 'services/cart' });
shop.service('search', 'shop', { path: '/services/search/' });
shop.push('2026-03-02T09:00', [['sh-c1', '2026-03-02T08:00', { files: ['services/cart/a.ts'] }]]);
shop.deploy('cart-d1', 'sh-c1', '2026-03-02T10:00', { path: 'services/cart' });
shop.deploy('search-d1', 'sh-c1', '2026-03-02T10:30', { path: 'services/search' });
shop.push('2026-03-03T09:00', [
  ['sh-cart2', '2026-03-03T06:00', { files: ['services/cart/b.ts'] }],
  ['sh-search2', '2026-03-03T07:00', { files: ['services/search/q.ts', 'services/searchlight/x.ts'] }],
  ['sh-both', '2026-03-03T08:00', { files: ['services/cart/c.ts', 'services/search/r.ts'] }],
  ['sh-lib', '2026-03-03T08:30', { files: ['libs/money/round.ts'] }],
  ['sh-docs', '2026-03-03T08:40', { files: ['docs/readme.md', 'services/searchlight/y.ts'] }],
  ['sh-unknown', '2026-03-03T08:50'],
]);
shop.deploy('cart-d2', 'sh-unknown', '2026-03-03T12:00', { path: 'services/cart' });
shop.deploy('search-d2', 'sh-unknown', '2026-03-03T13:00', { path: 'services/search' });
shop.push('2026-03-04T09:00', [['sh-revert', '2026-03-04T08:00', { reverts: 'sh-cart2', files: ['services/cart/b.ts'] }]]);
shop.deploy('cart-d3', 'sh-revert', '2026-03-04T10:00', { path: 'services/cart' });
shop.deploy('search-d3', 'sh-revert', '2026-03-04T11:00', { path: 'services/search' });

// A force push over a head that never reached production: fp-bad1 and fp-bad2 were discarded.
const forced = new HistoryBuilder('acme/forced');
forced.push('2026-03-02T09:00', [['fp-c1', '2026-03-02T08:00']]);
forced.deploy('fp-d1', 'fp-c1', '2026-03-02T10:00');
forced.push('2026-03-03T09:00', [['fp-bad1', '2026-03-03T07:00'], ['fp-bad2', '2026-03-03T08:00']]);
forced.forcePush('2026-03-03T11:00', [['fp-good', '2026-03-03T10:00']]);
forced.deploy('fp-d2', 'fp-good', '2026-03-03T12:00');

// The same, but the new head was rebuilt on fpc-bad1 (kept) and GitHub's compare says so: the compare wins.
const forcedCompared = new HistoryBuilder('acme/forced-compared');
forcedCompared.push('2026-03-02T09:00', [['fpc-c1', '2026-03-02T08:00']]);
forcedCompared.deploy('fpc-d1', 'fpc-c1', '2026-03-02T10:00');
forcedCompared.push('2026-03-03T09:00', [['fpc-bad1', '2026-03-03T07:00'], ['fpc-bad2', '2026-03-03T08:00']]);
forcedCompared.forcePush('2026-03-03T11:00', [['fpc-good', '2026-03-03T10:00']]);
forcedCompared.deploy('fpc-d2', 'fpc-good', '2026-03-03T12:00');
forcedCompared.compare('fpc-c1', 'fpc-good', ['fpc-bad1', 'fpc-good']);

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.ingest([shop, forced, forcedCompared].flatMap((h) => h.events));
  await runTransform(env.warehouse, settings);
}, 120_000);
afterAll(async () => env?.close());

const dora = (service: string) => doraMetrics(env.warehouse, { ...WEEK, service });
const Counted = z.object({ deployment_id: z.string(), sha: z.string(), attribution: z.string() });
const counted = (service: string) => env.warehouse.query(
  'SELECT deployment_id, sha, attribution FROM {{db}}.t_change_set_commits WHERE service = {service:String} ORDER BY deployment_id, sha',
  { service }, Counted,
);
const row = (deployment: string, name: string, attribution: string) => ({ deployment_id: deployment, sha: sha(name), attribution });
const bySha = (rows: z.infer<typeof Counted>[]) => [...rows].sort((a, b) => a.deployment_id.localeCompare(b.deployment_id) || a.sha.localeCompare(b.sha));

describe('path-aware change sets in a monorepo', () => {
  it('a commit counts only for the services whose path its files touch, plus shared paths; unknown files count at the repository level, flagged', async () => {
    expect(await counted('cart')).toEqual(bySha([
      row('cart-d1', 'sh-c1', 'path'),
      row('cart-d2', 'sh-cart2', 'path'), row('cart-d2', 'sh-both', 'path'), row('cart-d2', 'sh-lib', 'shared_path'), row('cart-d2', 'sh-unknown', 'assumed'),
      row('cart-d3', 'sh-revert', 'path'),
    ]));
    // services/searchlight/ is not under services/search/: a path matches whole folders only.
    expect(await counted('search')).toEqual(bySha([
      row('search-d2', 'sh-search2', 'path'), row('search-d2', 'sh-both', 'path'), row('search-d2', 'sh-lib', 'shared_path'), row('search-d2', 'sh-unknown', 'assumed'),
    ]));
  });

  it('lead time per service from its own commits only', async () => {
    // cart: d1 sh-c1 2 h; d2 (12:00) sh-cart2 6 h, sh-both 4 h, sh-lib 3.5 h, sh-unknown 3 h 10 min; d3 sh-revert 2 h
    //   → 2, 2, 3.17, 3.5, 4, 6 → p50 (3.1667 + 3.5) / 2 = 3.33
    expect((await dora('cart')).leadTime).toMatchObject({ changes: 6, p50Hours: 3.33 });
    // search: d1 none (sh-c1 touched cart only); d2 (13:00) sh-search2 6 h, sh-both 5 h, sh-lib 4.5 h, sh-unknown 4 h 10 min
    //   → 4.17, 4.5, 5, 6 → p50 4.75 (the repository-level walk would also have counted sh-c1, sh-cart2 and sh-docs)
    expect((await dora('search')).leadTime).toMatchObject({ changes: 4, p50Hours: 4.75 });
    const sets = await env.warehouse.query(
      "SELECT deployment_id, method, commits FROM {{db}}.t_change_sets WHERE deployment_id LIKE 'search-%' ORDER BY deployment_id",
      {}, z.object({ deployment_id: z.string(), method: z.string(), commits: z.coerce.number() }),
    );
    expect(sets).toEqual([
      { deployment_id: 'search-d1', method: 'first_push', commits: 0 },
      { deployment_id: 'search-d2', method: 'push_chain', commits: 4 },
      { deployment_id: 'search-d3', method: 'push_chain', commits: 0 },
    ]);
  });

  it('a revert fails only the deployments of the services the reverted commit counted for', async () => {
    // sh-revert (cart-d3) reverts sh-cart2, shipped by cart-d2 only: cart 1 of 3 failed, search none.
    expect((await dora('cart')).changeFailureRate).toMatchObject({ failedDeployments: 1, deployments: 3 });
    expect((await dora('search')).changeFailureRate).toMatchObject({ failedDeployments: 0, deployments: 3, rate: 0 });
    expect((await dora('search')).reworkRate).toMatchObject({ reworkDeployments: 0 });
    const links = await env.warehouse.query(
      "SELECT deployment_id, method, other_deployment_id FROM {{db}}.t_failure_links WHERE service IN ('cart', 'search')",
      {}, z.object({ deployment_id: z.string(), method: z.string(), other_deployment_id: z.string().nullable() }),
    );
    expect(links).toEqual([{ deployment_id: 'cart-d2', method: 'revert', other_deployment_id: 'cart-d3' }]);
  });

  it('a commit touching no service\'s path counts for none and is kept for Data health (a shared path of another repository does not apply)', async () => {
    const uncounted = await env.warehouse.query(
      'SELECT repo, sha, files, deployment_id FROM {{db}}.t_uncounted_commits',
      {}, z.object({ repo: z.string(), sha: z.string(), files: z.array(z.string()), deployment_id: z.string() }),
    );
    expect(uncounted).toEqual([{ repo: 'acme/shop', sha: sha('sh-docs'), files: ['docs/readme.md', 'services/searchlight/y.ts'], deployment_id: 'cart-d2' }]);
  });

  it('no commit with known files counts for two services unless it touches both paths (or a shared one)', async () => {
    const shared = await env.warehouse.query(
      `SELECT sha, groupArray(attribution) AS how FROM (SELECT sha, attribution FROM {{db}}.t_change_set_commits WHERE service IN ('cart', 'search') ORDER BY service)
       GROUP BY sha HAVING count() > 1 ORDER BY sha`,
      {}, z.object({ sha: z.string(), how: z.array(z.string()) }),
    );
    expect(shared).toEqual([
      { sha: sha('sh-both'), how: ['path', 'path'] }, { sha: sha('sh-lib'), how: ['shared_path', 'shared_path'] }, { sha: sha('sh-unknown'), how: ['assumed', 'assumed'] },
    ].sort((a, b) => a.sha.localeCompare(b.sha)));
  });
});

describe('force pushes', () => {
  it('the push-chain walk does not follow `before` across a force push: discarded commits never count', async () => {
    // fp-d1: fp-c1 2 h; fp-d2: fp-good 2 h (following `before` would add fp-bad2 4 h and fp-bad1 5 h)
    expect((await dora('acme/forced')).leadTime).toMatchObject({ changes: 2, p50Hours: 2 });
    const [set] = await env.warehouse.query(
      "SELECT method, stopped_at, commits FROM {{db}}.t_change_sets WHERE deployment_id = 'fp-d2'",
      {}, z.object({ method: z.string(), stopped_at: z.string(), commits: z.coerce.number() }),
    );
    expect(set).toEqual({ method: 'push_chain', stopped_at: 'force_push', commits: 1 });
  });

  it('a compare, when stored, wins over the walk: it keeps fpc-bad1 (still on the branch) and not fpc-bad2', async () => {
    // fpc-d1: fpc-c1 2 h; fpc-d2 (03-03 12:00): fpc-bad1 5 h, fpc-good 2 h → 2, 2, 5 → p50 2
    expect((await dora('acme/forced-compared')).leadTime).toMatchObject({ changes: 3, p50Hours: 2, p90Hours: 4.4 });
    const shas = await env.warehouse.query("SELECT sha FROM {{db}}.t_change_set_commits WHERE deployment_id = 'fpc-d2' ORDER BY sha", {}, z.object({ sha: z.string() }));
    expect(shas.map((s) => s.sha)).toEqual([sha('fpc-bad1'), sha('fpc-good')].sort());
  });
});

describe('Data health', () => {
  it('reports the commit that counts for none, the commit counted on an assumption, and the walk stopped at a force push, with examples', async () => {
    const health = await changeSetAttributionHealth(env.warehouse);
    expect(health).toEqual({
      uncounted: 1,
      uncountedExamples: [{ repo: 'acme/shop', sha: sha('sh-docs'), files: ['docs/readme.md', 'services/searchlight/y.ts'], deployment_id: 'cart-d2' }],
      assumed: 1,
      assumedExamples: [{ repo: 'acme/shop', sha: sha('sh-unknown'), services: expect.arrayContaining(['cart', 'search']), deployment_id: 'cart-d2' }],
      stoppedAtForcePush: 1,
    });
  });
});
