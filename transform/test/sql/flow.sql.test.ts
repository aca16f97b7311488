import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowMetrics } from '../../src/metrics/flow.js';
import { sqlFile } from '../../src/metrics/sql-files.js';
import { openTestWarehouse } from '../harness.js';
import { at, expectRendered, rowsOf } from './support.js';

/*
 * queries/flow/*.sql on five merged PRs of two teams (t_pr_flow rows as the transform writes them),
 * plus a bot's PR and one merged after the window. Worked out by hand:
 * - in the window, people only: core #1, #2, #6 and edge #3 (prs 4);
 * - overall medians (quantileExactInclusive): coding [1, 2, 1] → 1; pickup [2, 1, 0.5, 1] → 1;
 *   review [22, 3, 3.5, 3] → 3.25; deploy [3, 4, 1] → 3; cycle [28, 10, 6] → 10 (#2 is not deployed);
 * - core: coding 1, pickup 1, review 3, deploy 2, cycle 17 (28 and 6); edge: 2, 0.5, 3.5, 4, 10;
 *   teams by cycle, slowest first: core, edge;
 * - slowest: #1 (28 h), #3 (10 h), #6 (6 h), then #2 by first commit (its opening) to merge (4 h).
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const window = { from: '2026-03-02 00:00:00.000', to: '2026-03-09 00:00:00.000' };

const pr = (number: number, team: string, times: { first?: string; opened: string; merged: string; deployed?: string }, hours: [number | null, number | null, number | null, number | null], bot = false) => ({
  repo: `acme/${team}`, number, title: `PR ${number}`, author_login: bot ? 'renovate[bot]' : `dev${number}`, author_bot: bot, service: team, team, labels: [],
  first_commit_at: times.first ? at(times.first) : null, opened_at: at(times.opened), first_review_at: null, merged_at: at(times.merged),
  deployed_at: times.deployed ? at(times.deployed) : null, deployment_id: times.deployed ? `d-${number}` : null,
  coding_hours: hours[0], pickup_hours: hours[1], review_hours: hours[2], deploy_hours: hours[3],
});

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.warehouse.insert('t_pr_flow', [
    pr(1, 'core', { first: '2026-03-02T08:00', opened: '2026-03-02T09:00', merged: '2026-03-03T09:00', deployed: '2026-03-03T12:00' }, [1, 2, 22, 3]),
    pr(2, 'core', { opened: '2026-03-04T10:00', merged: '2026-03-04T14:00' }, [null, 1, 3, null]),
    pr(3, 'edge', { first: '2026-03-05T00:00', opened: '2026-03-05T02:00', merged: '2026-03-05T06:00', deployed: '2026-03-05T10:00' }, [2, 0.5, 3.5, 4]),
    pr(4, 'edge', { first: '2026-03-05T00:00', opened: '2026-03-05T00:10', merged: '2026-03-05T00:20', deployed: '2026-03-05T10:00' }, [0.1, 0.1, 0, 9.7], true),
    pr(5, 'core', { first: '2026-03-08T00:00', opened: '2026-03-08T01:00', merged: '2026-03-09T00:00', deployed: '2026-03-09T01:00' }, [1, 1, 22, 1]),
    pr(6, 'core', { first: '2026-03-06T00:00', opened: '2026-03-06T01:00', merged: '2026-03-06T05:00', deployed: '2026-03-06T06:00' }, [1, 1, 3, 1]),
  ]);
});
afterAll(async () => env?.close());

describe('queries/flow', () => {
  it('overall.sql', async () => {
    const file = sqlFile('queries/flow/overall');
    const rows = await rowsOf(env.warehouse, file, { ...window, team: '' });
    expect(rows).toEqual([{ team: 'all', prs: 4, coding_p50: 1, pickup_p50: 1, review_p50: 3.25, deploy_p50: 3, cycle_p50: 10 }]);
    expect(await rowsOf(env.warehouse, file, { ...window, team: 'edge' })).toMatchSnapshot('edge only');
    await expectRendered(env.warehouse, file);
  });

  it('teams.sql', async () => {
    const file = sqlFile('queries/flow/teams');
    const rows = await rowsOf(env.warehouse, file, { ...window, team: '' });
    expect(rows).toMatchSnapshot('rows');
    expect(rows.map((r) => [r.team, r.cycle_p50, r.deploy_p50])).toEqual([['core', 17, 2], ['edge', 10, 4]]);
    await expectRendered(env.warehouse, file);
  });

  it('slowest.sql', async () => {
    const file = sqlFile('queries/flow/slowest');
    const rows = await rowsOf(env.warehouse, file, { ...window, team: '' });
    expect(rows).toMatchSnapshot('rows');
    expect(rows.map((r) => [r.number, r.cycle_hours])).toEqual([[1, 28], [3, 10], [6, 6], [2, null]]);
    await expectRendered(env.warehouse, file);
  });

  it('catalog/estimated_developers.sql: developers per team from the same PRs', async () => {
    // People who merged in the window, each for the team they merged most in: dev1, dev2, dev6 (core), dev3 (edge); the bot is left out.
    const file = sqlFile('queries/catalog/estimated_developers');
    const rows = await rowsOf(env.warehouse, file, window);
    expect([...rows].sort((a, b) => String(a.team).localeCompare(String(b.team)))).toEqual([{ team: 'core', developers: 3 }, { team: 'edge', developers: 1 }]);
    await expectRendered(env.warehouse, file);
  });

  it('flowMetrics answers with the files\' rows', async () => {
    const result = await flowMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-09' });
    expect([result.overall]).toEqual(await rowsOf(env.warehouse, sqlFile('queries/flow/overall'), { ...window, team: '' }));
    expect(result.teams.map((t) => t.team)).toEqual(['core', 'edge']);
    expect(result.slowest).toHaveLength(4);
  });
});
