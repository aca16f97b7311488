import { DEMO_SHARED_PATHS, defaultNormaliseContext, loadDemo } from '@paved/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { openTestWarehouse } from './harness.js';

/*
 * The demo's monorepo (acme/platform-monorepo: billing, ledger, feature-flags, config-service under
 * services/, shared libraries under libs/) through the real ingestion path and transform: every
 * commit counts only for the services its files touch (docs/metrics.md, "Change set"). The check
 * recomputes attribution in SQL from commit_files and the catalog, independently of the walk.
 */

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const settings = { ...defaultMetricSettings, sharedPaths: DEMO_SHARED_PATHS.map((s) => ({ repo: null, path: s.path })) };

beforeAll(async () => {
  env = await openTestWarehouse();
  const report = await loadDemo(env.bus, { scale: 'small', seed: 7, until: new Date('2026-06-01T00:00:00Z') }, defaultNormaliseContext);
  await env.bus.drained();
  expect(report.deadLettered).toBe(0);
  await runTransform(env.warehouse, settings);
}, 240_000);
afterAll(async () => env?.close());

const N = z.object({ n: z.coerce.number() });
const count = async (sql: string) => (await env.warehouse.query(sql, {}, N))[0]!.n;

/**
 * Change-set commits of monorepo services with the service's path and the files that decide (empty
 * when unknown): the commit's own, or for a squash merge's original commit those of the squash
 * commit it stands in for.
 */
const MONOREPO_COUNTED = `
    SELECT cs.service AS service, cs.repo AS repo, cs.sha AS sha, cs.attribution AS attribution, cat.path AS path,
           f.files AS files, f.sha != '' AS known
    FROM (SELECT service, repo, sha, attribution, ifNull(stands_in_for, sha) AS decided_by FROM {{db}}.t_change_set_commits) AS cs
    INNER JOIN (SELECT service, replaceRegexpAll(assumeNotNull(path), '^/+|/+$', '') AS path FROM {{db}}.catalog_entities FINAL WHERE ifNull(path, '') != '') AS cat ON cat.service = cs.service
    LEFT JOIN (SELECT repo, sha, files FROM {{db}}.commit_files FINAL) AS f ON f.repo = cs.repo AND f.sha = cs.decided_by
    SETTINGS join_use_nulls = 0`;

describe('the demo monorepo\'s change sets', () => {
  it('has per-commit file lists under each service\'s path, and some shared-library commits', async () => {
    expect(await count(`SELECT count() AS n FROM (${MONOREPO_COUNTED}) WHERE known AND attribution = 'path'`)).toBeGreaterThan(200);
    expect(await count(`SELECT count() AS n FROM (${MONOREPO_COUNTED}) WHERE known AND attribution = 'shared_path'`)).toBeGreaterThan(5);
    // Every commit the demo pushes names its files, so nothing is counted on an assumption.
    expect(await count(`SELECT count() AS n FROM (${MONOREPO_COUNTED}) WHERE attribution = 'assumed'`)).toBe(0);
  });

  it('no commit counts for a service unless its files touch that service\'s path or libs/ (recomputed from commit_files)', async () => {
    const violations = await env.warehouse.query(
      `SELECT service, sha, attribution, files FROM (${MONOREPO_COUNTED})
       WHERE NOT (
         (NOT known AND attribution = 'assumed')
         OR (known AND arrayExists(file -> startsWith(file, concat(path, '/')), files))
         OR (known AND arrayExists(file -> startsWith(file, 'libs/'), files))
       ) LIMIT 5`,
      {}, z.object({ service: z.string(), sha: z.string(), attribution: z.string(), files: z.array(z.string()) }),
    );
    expect(violations).toEqual([]);
  });

  it('no commit counts for two services unless it touches both paths (or a shared library)', async () => {
    const pairs = await count(`
      SELECT count() AS n FROM (${MONOREPO_COUNTED}) AS a
      INNER JOIN (${MONOREPO_COUNTED}) AS b ON a.repo = b.repo AND a.sha = b.sha
      WHERE a.service < b.service
        AND NOT arrayExists(file -> startsWith(file, 'libs/'), a.files)
        AND NOT (arrayExists(file -> startsWith(file, concat(a.path, '/')), a.files) AND arrayExists(file -> startsWith(file, concat(b.path, '/')), a.files))`);
    expect(pairs).toBe(0);
    // Shared-library commits are the ones that do count for several services.
    expect(await count(`
      SELECT count() AS n FROM (SELECT sha FROM (${MONOREPO_COUNTED}) GROUP BY sha HAVING uniqExact(service) > 1)`)).toBeGreaterThan(0);
  });

  it('a revert fails only deployments whose own change set holds the reverted commit', async () => {
    const links = `SELECT deployment_id, other_deployment_id FROM {{db}}.t_failure_links WHERE method = 'revert'`;
    expect(await count(`SELECT count() AS n FROM (${links})`)).toBeGreaterThan(0);
    expect(await count(`
      WITH reverted AS (
          SELECT rc.deployment_id AS by_deployment, groupArray(c.reverts_sha) AS reverts
          FROM {{db}}.t_change_set_commits AS rc
          INNER JOIN (SELECT repo, sha, assumeNotNull(reverts_sha) AS reverts_sha FROM {{db}}.commits FINAL WHERE reverts_sha IS NOT NULL) AS c ON c.repo = rc.repo AND c.sha = rc.sha
          GROUP BY rc.deployment_id),
      shipped AS (SELECT deployment_id, groupArray(sha) AS shas FROM {{db}}.t_change_set_commits GROUP BY deployment_id)
      SELECT count() AS n
      FROM (${links}) AS l
      LEFT JOIN reverted AS r ON r.by_deployment = ifNull(l.other_deployment_id, '')
      LEFT JOIN shipped AS s ON s.deployment_id = l.deployment_id
      WHERE NOT arrayExists(x -> arrayExists(shipped_sha -> startsWith(shipped_sha, x), s.shas), r.reverts)
      SETTINGS join_use_nulls = 0`)).toBe(0);
  });
});
