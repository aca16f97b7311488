import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runTransform } from '../../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../../src/metrics/settings.js';
import { sqlFile } from '../../src/metrics/sql-files.js';
import { openTestWarehouse } from '../harness.js';
import { HistoryBuilder } from '../history.js';
import { expectRendered } from './support.js';

/*
 * models/t_changes.sql, t_failure_links.sql, t_deployment_facts.sql, t_pr_flow.sql and t_dora_daily.sql on a small
 * hand-written history, run by the transform (their inputs, t_deployments, t_incidents and the change
 * sets, come from the steps before them) and then each file again into its `_next` twin, which must
 * give the same rows. acme/shop (service shop, core): c1 (authored 06:00) and c2 (08:00) pushed 03-02
 * 09:00 and deployed as d1 at 10:00; PR #1 (c1, c2) opened 08:30, reviewed by bob 08:45, merged 09:00
 * as c2; c3 (07:00) pushed 03-03 and deployed as d2 at 10:00; incident i1 names d2, opened 11:00,
 * resolved 13:00. Worked out by hand: lead times c1 4 h, c3 3 h, and none for c2 (it is PR #1's merge
 * commit, for which the PR's own commits stand in: t_changes leaves its lead time null); d2 failed (explicit link to
 * i1), recovered at i1's resolution, 3 h; PR #1 coding 2.5 h (first commit → opened), pickup 0.25 h,
 * review 0.25 h, deploy 1 h (merge → d1). DORA rows by day: 03-02 d1 (lead 4 h), 03-03 d2 (failed, recovered
 * 3 h; lead 3 h; i1 restored in 2 h), and the catalog's row for shop (day 1970-01-01).
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const AnyRow = z.record(z.string(), z.unknown());
const rows = (table: string, order: string) => env.warehouse.query(`SELECT * FROM {{db}}.${table} ORDER BY ${order}`, {}, AnyRow);
const settings = defaultMetricSettings;
const PARAMS = {
  productionPattern: settings.productionPattern, platformWorkflowPattern: settings.platformWorkflowPattern, platformCreators: settings.platformCreators,
  inferIncidentLinks: settings.inferIncidentLinks, inferenceWindowHours: settings.inferenceWindowHours, fixLabels: settings.fixLabels.map((l) => l.toLowerCase()),
};

const shop = new HistoryBuilder('acme/shop');
shop.service('shop', 'core');
shop.push('2026-03-02T09:00', [['c1', '2026-03-02T06:00'], ['c2', '2026-03-02T08:00']]);
const d1 = shop.deploy('d1', 'c2', '2026-03-02T10:00');
shop.pullRequest(1, { opened: '2026-03-02T08:30', merged: '2026-03-02T09:00', mergeCommit: 'c2', commits: ['c1', 'c2'], author: 'ann' });
shop.review(1, 'bob', '2026-03-02T08:45');
shop.push('2026-03-03T09:00', [['c3', '2026-03-03T07:00']]);
const d2 = shop.deploy('d2', 'c3', '2026-03-03T10:00');
shop.incident('i1', '2026-03-03T11:00', { resolved: '2026-03-03T13:00', deploymentIds: [d2] });

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.ingest(shop.events);
  await runTransform(env.warehouse, settings);
});
afterAll(async () => env?.close());

/** Runs the model file into `<table>_next` and answers its rows beside the transform's own. */
async function again(table: string, order: string): Promise<{ file: Awaited<ReturnType<typeof rows>>; transform: Awaited<ReturnType<typeof rows>> }> {
  await env.warehouse.command(`DROP TABLE IF EXISTS {{db}}.${table}_next`);
  await env.warehouse.command(`CREATE TABLE {{db}}.${table}_next AS {{db}}.${table}`);
  await env.warehouse.command(sqlFile(`models/${table}`).for(env.warehouse), PARAMS);
  return { file: await rows(`${table}_next`, order), transform: await rows(table, order) };
}

describe('transform models', () => {
  it('models/t_changes.sql', async () => {
    const { file, transform } = await again('t_changes', 'deployment_id, sha');
    expect(file).toEqual(transform);
    expect(file).toMatchSnapshot('rows');
    expect(file.map((r) => [r.deployment_id, r.lead_hours])).toEqual([[d1, 4], [d1, null], [d2, 3]]);
    await expectRendered(env.warehouse, sqlFile('models/t_changes'));
  });

  it('models/t_failure_links.sql', async () => {
    const { file, transform } = await again('t_failure_links', 'deployment_id, method');
    expect(file).toEqual(transform);
    expect(file.map((r) => [r.deployment_id, r.method, r.incident_id])).toEqual([[d2, 'explicit', 'i1']]);
    await expectRendered(env.warehouse, sqlFile('models/t_failure_links'));
  });

  it('models/t_deployment_facts.sql', async () => {
    const { file, transform } = await again('t_deployment_facts', 'id');
    expect(file).toEqual(transform);
    expect(file).toMatchSnapshot('rows');
    expect(file.map((r) => [r.id, r.failed, r.failure_methods, r.recovery_hours])).toEqual([[d1, false, [], null], [d2, true, ['explicit'], 3]]);
    await expectRendered(env.warehouse, sqlFile('models/t_deployment_facts'));
  });

  it('models/t_pr_flow.sql', async () => {
    const { file, transform } = await again('t_pr_flow', 'repo, number');
    expect(file).toEqual(transform);
    expect(file).toMatchSnapshot('rows');
    expect(file.map((r) => [r.number, r.coding_hours, r.pickup_hours, r.review_hours, r.deploy_hours, r.deployment_id])).toEqual([[1, 2.5, 0.25, 0.25, 1, d1]]);
    await expectRendered(env.warehouse, sqlFile('models/t_pr_flow'));
  });

  it('models/t_dora_daily.sql', async () => {
    const { file, transform } = await again('t_dora_daily', 'team, day, service, golden_path');
    expect(file).toEqual(transform);
    expect(file).toMatchSnapshot('rows');
    expect(file.map((r) => [r.day, r.catalog_row, r.deployments, r.failed, r.recovered, r.recovery_hours, r.lead_hours, r.incidents, r.restore_hours])).toEqual([
      ['1970-01-01', true, 0, 0, 0, [], [], 0, []],
      ['2026-03-02', false, 1, 0, 0, [], [4], 0, []],
      ['2026-03-03', false, 1, 1, 1, [3], [3], 1, [2]],
    ]);
    expect(file.every((r) => r.service === 'shop' && r.team === 'core' && r.catalog_team === 'core')).toBe(true);
    await expectRendered(env.warehouse, sqlFile('models/t_dora_daily'));
  });
});
