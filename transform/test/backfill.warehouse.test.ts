import { backfillGithub, defaultNormaliseContext, GithubApi } from '@paved/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GithubApiStandin } from '../../ingest/test/github-api-standin.js';
import { githubFixture, shaOf } from '../../ingest/test/github-fixture.js';
import { WarehouseCursorStore } from '@paved/pipeline';
import { doraMetrics } from '../src/metrics/dora.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { openTestWarehouse } from './harness.js';

/* Backfilled history, stored like `paved backfill github` stores it, is enough for the DORA metrics. */

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
let standin: GithubApiStandin;
beforeAll(async () => {
  env = await openTestWarehouse();
  standin = await GithubApiStandin.start({ fixture: githubFixture() });
}, 60_000);
afterAll(async () => {
  await standin?.close();
  await env?.close();
});

async function backfill() {
  const api = await GithubApi.connect({ apiUrl: standin.url, auth: { kind: 'token', token: 'standin-token' }, graphqlIntervalMs: 0 });
  const cursors = new WarehouseCursorStore(env.warehouse, () => env.bus.drained());
  const result = await backfillGithub({ api, bus: env.bus, cursors, context: defaultNormaliseContext, org: 'acme' });
  await env.bus.drained();
  return result;
}

const count = async (table: string) => {
  const [row] = await env.warehouse.query(`SELECT count() AS n FROM {{db}}.${table} FINAL`, {}, z.object({ n: z.coerce.number() }));
  return row!.n;
};

describe('backfill into the warehouse', () => {
  it('walks change sets through the synthetic default-branch pushes and the pull requests\' own commits', async () => {
    const result = await backfill();
    expect(result.deadLettered).toBe(0);
    await runTransform(env.warehouse, defaultMetricSettings);

    // Deployment of #18: the previous successful production deployment shipped #12 (#15's failed).
    const ChangeSet = z.object({ method: z.string(), stopped_at: z.string(), commits: z.coerce.number(), previous_deployment_id: z.string().nullable() });
    const [set] = await env.warehouse.query(`SELECT method, stopped_at, commits, previous_deployment_id FROM {{db}}.t_change_sets WHERE deployment_id = 'github:acme/payments-api:300037'`, {}, ChangeSet);
    // Backfill stored GitHub's compare between the two deployments: it decides (and agrees with the push chain's 5 commits).
    expect(set).toEqual({ method: 'compare', stopped_at: 'previous_deployment', commits: 14, previous_deployment_id: 'github:acme/payments-api:300025' });
    const via = await env.warehouse.query(
      `SELECT via, count() AS n FROM {{db}}.t_change_set_commits WHERE deployment_id = 'github:acme/payments-api:300037' GROUP BY via ORDER BY via`,
      {}, z.object({ via: z.string(), n: z.coerce.number() }),
    );
    expect(via).toEqual([{ via: 'compare', n: 5 }, { via: 'squash_pr', n: 9 }]);
    const squash18 = await env.warehouse.query(`SELECT stands_in_for FROM {{db}}.t_change_set_commits WHERE sha = {sha:String}`, { sha: shaOf('acme/payments-api:pr18:c0') }, z.object({ stands_in_for: z.string().nullable() }));
    expect(squash18).toEqual([{ stands_in_for: shaOf('acme/payments-api:squash18') }]);

    const dora = await doraMetrics(env.warehouse, { from: '2026-01-01', to: '2026-02-01' });
    expect(dora.deploymentFrequency.deployments).toBeGreaterThan(20);
    expect(dora.leadTime.changes).toBeGreaterThan(100);
    expect(dora.changeFailureRate.failedDeployments).toBeGreaterThan(0);
  }, 120_000);

  it('keeps its cursors in backfill_cursors: a second run is all 304s and changes no row', async () => {
    const tables = ['raw_deliveries', 'pull_requests', 'reviews', 'commits', 'pushes', 'deployment_statuses', 'incident_updates', 'catalog_entities'];
    const before = await Promise.all(tables.map(count));
    expect(await count('backfill_cursors')).toBe(1 + 3 * 7); // the repository list, then 6 kinds per repository (no workflow pattern) and the compares
    const second = await backfill();
    expect(second.notModified).toBe(second.requests);
    expect(second.deliveries).toBe(0);
    expect(await Promise.all(tables.map(count))).toEqual(before);
  }, 60_000);
});
