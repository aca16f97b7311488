import { type Delivery, defaultNormaliseContext, GithubApi, receiveDelivery } from '@paved/ingest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { GithubApiStandin } from '../../ingest/test/github-api-standin.js';
import type { FixtureCommit, FixtureUser, GithubFixture } from '../../ingest/test/github-fixture.js';
import { CompareEnrichment } from '../src/compare-enrichment.js';
import { doraMetrics } from '../src/metrics/dora.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { openTestWarehouse } from './harness.js';
import { sha } from './history.js';

/*
 * A webhook deployment enriched by a compare. acme/live's default branch is root → c1 → c2 → c3;
 * the push webhook that carried c2 was lost, so the push chain alone breaks at c3.
 *   d1 (webhook) ships c1 at 03-02 10:00; c1 authored 08:00                       → 2 h
 *   d2 (webhook) ships c3 at 03-03 10:00; c2 authored 06:00, c3 07:00 → with the compare 4 h and 3 h
 * Lead time with the compare: 2, 3, 4 → p50 3 (3 changes); without it: 2, 3 → p50 2.5 (2 changes).
 */

const dev: FixtureUser = { login: 'ana', id: 1001, type: 'User', name: 'ana', email: 'ana@acme.test' };
const commit = (name: string, parent: string | null, at: string): FixtureCommit => ({
  sha: sha(name), parents: parent ? [sha(parent)] : [], message: name, author: dev, committer: dev, authoredAt: at, committedAt: at,
});
const fixture: GithubFixture = {
  org: { login: 'acme', id: 9000 },
  repos: [{
    id: 600, owner: 'acme', name: 'live', defaultBranch: 'main', createdAt: '2026-01-01T00:00:00Z',
    commits: [
      commit('live-root', null, '2026-03-01T08:00:00Z'), commit('live-c1', 'live-root', '2026-03-02T08:00:00Z'),
      commit('live-c2', 'live-c1', '2026-03-03T06:00:00Z'), commit('live-c3', 'live-c2', '2026-03-03T07:00:00Z'),
    ],
    pulls: [], deployments: [], issues: [], releases: [], workflows: [], runs: [], files: {},
  }],
};

const repository = { full_name: 'acme/live', name: 'live', owner: { login: 'acme' } };
let deliveries = 0;
const webhook = (event: string, payload: Record<string, unknown>): Delivery => ({
  source: 'github', event, deliveryId: `live-${++deliveries}`, receivedAt: '2026-03-03T10:00:00.000Z', payload: { ...payload, repository },
});
const pushOf = (before: string, name: string, at: string) => webhook('push', {
  ref: 'refs/heads/main', before: sha(before), after: sha(name), forced: false,
  commits: [{ id: sha(name), message: name, timestamp: at, author: { name: 'ana', email: 'ana@acme.test', username: 'ana' }, added: [], modified: ['src/app.ts'], removed: [] }],
});
const deployed = (id: number, name: string, at: string) => webhook('deployment_status', {
  action: 'created',
  deployment: { id, sha: sha(name), ref: 'main', environment: 'production', created_at: at, payload: {} },
  deployment_status: { id: id * 10, state: 'success', created_at: at, updated_at: at },
});

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
let standin: GithubApiStandin;
let api: GithubApi;
const enrichment = (options: Partial<ConstructorParameters<typeof CompareEnrichment>[0]> = {}) => new CompareEnrichment({
  warehouse: env.warehouse, api, bus: env.bus, context: defaultNormaliseContext, productionPattern: defaultMetricSettings.productionPattern,
  now: () => new Date('2026-03-03T10:00:30Z'), ...options,
});
const compareRequests = () => standin.takeRequests().filter((r) => r.path.includes('/compare/'));
const storedCompares = async () => (await env.warehouse.query('SELECT count() AS n FROM {{db}}.compares FINAL', {}, z.object({ n: z.coerce.number() })))[0]!.n;

beforeAll(async () => {
  env = await openTestWarehouse();
  standin = await GithubApiStandin.start({ fixture });
  api = await GithubApi.connect({ apiUrl: standin.url, auth: { kind: 'token', token: 'standin-token' }, graphqlIntervalMs: 0 });
  for (const delivery of [
    pushOf('live-root', 'live-c1', '2026-03-02T08:00:00Z'), deployed(9101, 'live-c1', '2026-03-02T10:00:00Z'),
    pushOf('live-c2', 'live-c3', '2026-03-03T07:00:00Z'), deployed(9102, 'live-c3', '2026-03-03T10:00:00Z'),
  ]) {
    const result = await receiveDelivery(delivery, JSON.stringify(delivery.payload), env.bus, defaultNormaliseContext);
    expect(result.outcome).toBe('ok');
  }
  await env.bus.drained();
}, 60_000);
afterAll(async () => {
  await standin?.close();
  await env?.close();
});

describe('compare enrichment for live deployments', () => {
  it('without the compare, the push chain breaks where the webhook was lost', async () => {
    await runTransform(env.warehouse, defaultMetricSettings);
    expect((await doraMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-09', service: 'acme/live' })).leadTime).toMatchObject({ changes: 2, p50Hours: 2.5 });
  });

  it('waits while the rate limit is nearly spent, without asking GitHub for the compare', async () => {
    standin.rateLimit.core = 20;
    await api.get('/repos/acme/live');
    standin.takeRequests();
    const job = enrichment({ minRateLimitRemaining: 100 });
    expect(await job.tick()).toBe(0);
    expect(job.status).toMatchObject({ rateLimitedTicks: 1, fetched: 0 });
    expect(compareRequests()).toEqual([]);
    standin.rateLimit.core = 5_000;
  });

  it('skips its ticks while told to (another replica leads), with the compare still pending', async () => {
    const standby = enrichment({ skipReason: () => 'another replica is the leader' });
    expect(await standby.tick()).toBe(0);
    expect(standby.status.ticks).toBe(0);
    expect(compareRequests()).toEqual([]);
  });

  it('fetches the compare of a new webhook deployment within a minute (one 20 s tick) and the change set follows it', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      await api.get('/repos/acme/live'); // the rate limit is known to be plentiful again
      const job = enrichment();
      job.start();
      vi.advanceTimersByTime(20_000);
      expect(await job.tick()).toBe(1); // the tick the timer started
      await job.stop();
    } finally {
      vi.useRealTimers();
    }
    await env.bus.drained();
    expect(compareRequests().map((r) => r.path)).toEqual([`/repos/acme/live/compare/${sha('live-c1')}...${sha('live-c3')}?per_page=100`]);
    await runTransform(env.warehouse, defaultMetricSettings);
    const [set] = await env.warehouse.query("SELECT method, commits FROM {{db}}.t_change_sets WHERE deployment_id = 'github:acme/live:9102'", {}, z.object({ method: z.string(), commits: z.coerce.number() }));
    expect(set).toEqual({ method: 'compare', commits: 2 });
    expect((await doraMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-09', service: 'acme/live' })).leadTime).toMatchObject({ changes: 3, p50Hours: 3 });
  });

  it('is idempotent and resumable: a restarted job finds nothing left to fetch', async () => {
    const restarted = enrichment();
    expect(await restarted.tick()).toBe(0);
    expect(compareRequests()).toEqual([]);
    expect(await storedCompares()).toBe(1);
  });

  it('a deployment older than the lookback is left to backfill; a sha GitHub does not know is asked once per process', async () => {
    const late = enrichment({ now: () => new Date('2026-04-30T00:00:00Z') });
    expect(await late.tick()).toBe(0);
    expect(compareRequests()).toEqual([]);

    const unknown = deployed(9103, 'not-in-github', '2026-03-03T12:00:00Z');
    await receiveDelivery(unknown, JSON.stringify(unknown.payload), env.bus, defaultNormaliseContext);
    await env.bus.drained();
    const job = enrichment({ now: () => new Date('2026-03-03T12:00:30Z') });
    expect(await job.tick()).toBe(0);
    expect(job.status).toMatchObject({ unknown: 1, fetched: 0 });
    expect(compareRequests()).toHaveLength(1);
    expect(await job.tick()).toBe(0);
    expect(compareRequests()).toEqual([]);
  });
});
