import { CanonicalEvent, type EventOf, type EventType } from '@paved/schemas';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../src/bus/in-process.js';
import type { BusRecord } from '../src/bus/bus.js';
import { MemoryCursorStore } from '../src/backfill-cursor.js';
import { defaultNormaliseContext, type NormaliseContext } from '../src/delivery.js';
import { BackfillAbortedError, GithubApi, type GithubApiOptions } from '../src/github/api.js';
import { backfillGithub, type BackfillOptions, type BackfillResult } from '../src/github/backfill.js';
import { GithubApiStandin } from './github-api-standin.js';
import { githubFixture, shaOf, type GithubFixture } from './github-fixture.js';

/** Keeps what was published, in order, without a consumer. */
class RecordingBus extends InProcessBus {
  readonly records: BusRecord[] = [];
  override async publish(records: BusRecord[]): Promise<void> {
    this.records.push(...records);
  }
  events(): CanonicalEvent[] {
    return this.records.filter((r) => r.topic === 'events').map((r) => CanonicalEvent.parse(JSON.parse(r.value)));
  }
  ofType<T extends EventType>(type: T): EventOf<T>[] {
    return this.events().filter((e): e is EventOf<T> => e.type === type);
  }
}

const context: NormaliseContext = { ...defaultNormaliseContext, deploymentWorkflowPattern: /deploy/i };

let standin: GithubApiStandin;
let fixture: GithubFixture;

beforeEach(async () => {
  fixture = githubFixture();
  standin = await GithubApiStandin.start({ fixture });
});
afterEach(async () => standin.close());

interface RunOptions extends Partial<Omit<BackfillOptions, 'api'>> {
  api?: Partial<GithubApiOptions>;
}

async function backfill(options: RunOptions = {}): Promise<{ result: BackfillResult; bus: RecordingBus }> {
  const bus = (options.bus as RecordingBus | undefined) ?? new RecordingBus();
  const api = await GithubApi.connect({ apiUrl: standin.url, auth: { kind: 'token', token: 'standin-token' }, graphqlIntervalMs: 0, ...options.api });
  const result = await backfillGithub({ cursors: new MemoryCursorStore(), context, org: 'acme', ...options, api, bus });
  return { result, bus };
}

const countBy = (values: string[]) => {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
};

describe('backfill of the fixture organisation', () => {
  it('lands pull requests with reviews and commits, deployments with statuses, incidents, default-branch history and catalog entities', async () => {
    const { result, bus } = await backfill();

    expect(result.repos).toEqual(['acme/platform-monorepo', 'acme/web', 'acme/payments-api']);
    // One compare per pair of consecutive successful production deployments (different shas) of a repository.
    const pairs = fixture.repos.flatMap((r) => {
      const shas = r.deployments
        .filter((d) => d.environment === 'production' && d.statuses.some((st) => st.state === 'success'))
        .map((d) => ({ sha: d.sha, at: d.statuses.filter((st) => st.state === 'success').at(-1)!.createdAt }))
        .sort((a, b) => a.at.localeCompare(b.at))
        .map((d) => d.sha);
      return shas.flatMap((head, i) => (i > 0 && head !== shas[i - 1] ? [{ repo: r, base: shas[i - 1]!, head }] : []));
    });
    const between = (r: GithubFixture['repos'][number], base: string, head: string) =>
      r.commits.slice(r.commits.findIndex((c) => c.sha === base) + 1, r.commits.findIndex((c) => c.sha === head) + 1).map((c) => c.sha);
    const comparedCommits = pairs.reduce((sum, p) => sum + between(p.repo, p.base, p.head).length, 0);
    expect(pairs.length).toBeGreaterThan(10);
    expect(result.fetched).toEqual({
      pullRequests: 85, reviews: 223, pullRequestCommits: 274, commits: 72, deployments: 35, deploymentStatuses: 59, workflowRuns: 24,
      incidentIssues: 9, releases: 9, catalogFiles: 3, compares: pairs.length, commitFiles: 0,
    });
    expect(countBy(bus.events().map((e) => e.type))).toEqual({
      pull_request: 85, review: 223, commit: 346 + comparedCommits, push: 72, deployment: 118, incident: 9, catalog_entity: 4, compare: pairs.length,
    });
    // Each compare lists exactly the default-branch commits after the previous production sha, oldest first.
    for (const pair of pairs) {
      const compared = bus.ofType('compare').find((e) => e.data.repo === `acme/${pair.repo.name}` && e.data.base === pair.base && e.data.head === pair.head);
      expect(compared?.data, `${pair.repo.name} ${pair.base.slice(0, 7)}...${pair.head.slice(0, 7)}`).toMatchObject({ status: 'ahead', commits: between(pair.repo, pair.base, pair.head) });
      expect(compared!.data.total_commits).toBe(compared!.data.commits.length);
    }
    expect(result.deadLettered).toBe(0);
    expect(result.ignored).toBe(9); // releases: archived for replay, no canonical entity yet
    expect(bus.records.filter((r) => r.topic === 'dlq')).toEqual([]);

    // The pull request with 105 commits (more than the GraphQL query nests) and its review times.
    const pr3 = bus.ofType('pull_request').find((e) => e.data.repo === 'acme/payments-api' && e.data.number === 3)!.data;
    expect(pr3).toMatchObject({
      state: 'merged', opened_at: '2026-01-05T18:00:00.000Z', first_commit_at: '2026-01-05T16:00:00.000Z', first_review_at: '2026-01-05T19:00:00.000Z',
      approved_at: '2026-01-05T19:01:00.000Z', merged_at: '2026-01-05T20:00:00.000Z', merge_commit_sha: shaOf('acme/payments-api:squash3'),
      author: { login: 'dee', bot: false },
    });
    expect(pr3.commit_shas).toHaveLength(105);
    expect(pr3.commit_shas[0]).toBe(shaOf('acme/payments-api:pr3:c0'));
    // The pull request with 55 reviews (more than nested) has all of them.
    expect(bus.ofType('review').filter((e) => e.data.repo === 'acme/payments-api' && e.data.pr_number === 5)).toHaveLength(55);

    // A failed production deployment, its statuses oldest first, and the incident naming it.
    const statuses = bus.ofType('deployment').filter((e) => e.data.id === 'github:acme/payments-api:300031').map((e) => [e.data.status, e.data.status_at]);
    expect(statuses).toEqual([
      ['pending', '2026-01-07T08:30:00.000Z'], ['in_progress', '2026-01-07T08:31:00.000Z'], ['failure', '2026-01-07T08:40:00.000Z'],
    ]);
    const incident = bus.ofType('incident').find((e) => e.data.id === 'github:acme/payments-api#1015')!.data;
    expect(incident).toMatchObject({ status: 'resolved', severity: 'high', service: 'payments-api', linked_deployment_ids: ['github:acme/payments-api:300031'] });
    expect(bus.ofType('incident').find((e) => e.data.id === 'github:acme/payments-api#2000')?.data.status).toBe('open'); // labelled "Incident"
    expect(bus.ofType('incident').some((e) => e.data.id.endsWith('#2002'))).toBe(false); // a pull request labelled incident
    expect(bus.ofType('deployment').filter((e) => e.data.source_system === 'github_actions')).toHaveLength(24);

    // Default-branch history as one push per commit: parent → sha, so the change-set walker can follow it.
    const squash3 = shaOf('acme/payments-api:squash3');
    const push = bus.ofType('push').find((e) => e.data.after === squash3)!.data;
    expect(push).toMatchObject({ repo: 'acme/payments-api', ref: 'refs/heads/main', before: shaOf('acme/payments-api:squash2'), commits: [squash3] });
    expect(bus.ofType('push').find((e) => e.data.after === shaOf('acme/payments-api:root'))?.data.before).toBe('0'.repeat(40));
    expect(bus.ofType('commit').find((e) => e.data.sha === squash3 && e.data.parents.length)?.data.parents).toEqual([shaOf('acme/payments-api:squash2')]);

    const catalog = Object.fromEntries(bus.ofType('catalog_entity').map((e) => [e.data.service, e.data]));
    expect(Object.keys(catalog).sort()).toEqual(['billing', 'ledger', 'payments-api', 'web']);
    expect(catalog.billing).toMatchObject({ team: 'payments', repo: 'acme/platform-monorepo', path: 'services/billing', tier: 'tier-2', system: 'billing-platform' });
    expect(catalog['payments-api']).toMatchObject({ team: 'payments', tier: 'tier-1', source_template: 'template:default/node-service' });
    expect(catalog.web).toMatchObject({ team: 'checkout', repo: 'acme/web', path: null });

    // Deterministic delivery ids, dated at the object's own time.
    const raw = bus.records.find((r) => r.topic === 'raw' && r.key?.includes(':deployment:300031:'));
    expect(raw?.key).toBe('github:backfill:acme/payments-api:deployment:300031:2026-01-07T08:30:00Z');
    expect(JSON.parse(raw!.value).received_at).toBe('2026-01-07T08:30:00.000Z');
  });

  it('a second run sends only conditional requests, GitHub answers each with 304, and nothing is published', async () => {
    const cursors = new MemoryCursorStore();
    await backfill({ cursors });
    standin.takeRequests();
    const limitBefore = { ...standin.rateLimit };

    const { result, bus } = await backfill({ cursors });
    expect(bus.records).toEqual([]);
    expect(result.requests).toBe(25); // the repository list, then 8 listings per repository
    expect(result.notModified).toBe(result.requests);
    expect(standin.takeRequests().every((r) => r.status === 304)).toBe(true);
    expect(standin.rateLimit).toEqual(limitBefore); // 304s cost no rate limit
  });

  it('a later run fetches only what changed: a new deployment status and an updated pull request', async () => {
    const cursors = new MemoryCursorStore();
    await backfill({ cursors });
    const repo = fixture.repos.find((r) => r.name === 'payments-api')!;
    const deployment = repo.deployments.find((d) => d.id === 300_109)!;
    deployment.statuses.push({ id: 999_001, state: 'inactive', createdAt: '2026-01-14T10:00:00Z', creator: deployment.creator });
    const pr = repo.pulls.find((p) => p.number === 60)!;
    pr.reviews.push({ id: 999_002, user: repo.pulls[0]!.user, state: 'APPROVED', submittedAt: '2026-01-14T11:00:00Z', commitId: pr.headSha });
    pr.updatedAt = '2026-01-14T11:00:00Z';
    standin.takeRequests();

    const { result, bus } = await backfill({ cursors });
    expect(bus.ofType('pull_request').map((e) => `${e.data.repo}#${e.data.number}`)).toEqual(['acme/payments-api#60']);
    expect(bus.ofType('pull_request')[0]!.data.updated_at).toBe('2026-01-14T11:00:00.000Z');
    expect(bus.ofType('review').filter((e) => e.data.pr_number === 60)).toHaveLength(3);
    expect(bus.ofType('deployment').map((e) => `${e.data.id} ${e.data.status}`)).toEqual([
      'github:acme/payments-api:300109 pending', 'github:acme/payments-api:300109 in_progress', 'github:acme/payments-api:300109 success', 'github:acme/payments-api:300109 inactive',
    ]);
    expect(result.fetched.pullRequests).toBe(1);
    expect(result.requests).toBeLessThanOrEqual(25 + 4);
  });

  it('a new production deployment gets one compare from the last one the previous run saw', async () => {
    const cursors = new MemoryCursorStore();
    await backfill({ cursors });
    const repo = fixture.repos.find((r) => r.name === 'web')!;
    const lastShipped = repo.deployments
      .filter((d) => d.environment === 'production' && d.statuses.some((st) => st.state === 'success'))
      .sort((a, b) => a.statuses.at(-1)!.createdAt.localeCompare(b.statuses.at(-1)!.createdAt)).at(-1)!;
    const tip = repo.commits.at(-1)!;
    const added = [1, 2].map((n) => ({ ...tip, sha: shaOf(`acme/web:after-${n}`), parents: [n === 1 ? tip.sha : shaOf('acme/web:after-1')], message: `change ${n}`, authoredAt: `2026-02-0${n}T09:00:00Z`, committedAt: `2026-02-0${n}T09:00:00Z` }));
    repo.commits.push(...added);
    repo.deployments.push({
      ...lastShipped, id: 399_999, sha: added[1]!.sha, createdAt: '2026-02-03T10:00:00Z',
      statuses: [{ id: 999_003, state: 'success', createdAt: '2026-02-03T10:05:00Z', creator: lastShipped.creator }],
    });

    const { result, bus } = await backfill({ cursors });
    expect(result.fetched.compares).toBe(1);
    const compared = bus.ofType('compare').map((e) => e.data);
    expect(compared).toHaveLength(1);
    expect(compared[0]).toMatchObject({ repo: 'acme/web', status: 'ahead', head: added[1]!.sha, total_commits: compared[0]!.commits.length });
    expect(compared[0]!.base).toBe(lastShipped.sha);
    expect(compared[0]!.commits.slice(-2)).toEqual(added.map((c) => c.sha));
  });

  it('a run aborted after N requests goes on where it stopped, and together the two runs publish every event exactly once', async () => {
    const complete = new Set((await backfill({ pullRequestPageSize: 20 })).bus.events().map((e) => e.id));
    for (const abortAfter of [4, 11, 23, 42]) {
      const cursors = new MemoryCursorStore();
      const bus = new RecordingBus();
      const controller = new AbortController();
      const crashed = backfill({ cursors, bus, pullRequestPageSize: 20, api: { signal: controller.signal, onRequest: (n) => { if (n >= abortAfter) controller.abort(); } } });
      await expect(crashed).rejects.toBeInstanceOf(BackfillAbortedError);
      const beforeResume = bus.events().length;
      expect(beforeResume).toBeLessThan(complete.size);

      await backfill({ cursors, bus, pullRequestPageSize: 20 });
      const ids = bus.events().map((e) => e.id);
      expect(Object.entries(countBy(ids)).filter(([, n]) => n > 1), `aborted after ${abortAfter} requests`).toEqual([]);
      expect(new Set(ids)).toEqual(complete);
    }
  }, 60_000);

  it('retries secondary rate limits (403 and 429 with retry-after) and server errors, and still lands everything', async () => {
    const clean = new Set((await backfill()).bus.events().map((e) => e.id));
    standin.takeRequests();
    standin.fault({ method: 'POST', path: /^\/graphql$/, status: 403, retryAfter: 1 });
    standin.fault({ path: /\/repos\/acme\/web\/deployments$/, status: 429, retryAfter: 1 });
    standin.fault({ path: /\/deployments\/300031\/statuses$/, status: 502 });
    standin.fault({ path: /\/repos\/acme\/payments-api\/commits$/, status: 503 });

    const { result, bus } = await backfill({ api: { retryBaseMs: 10 } }); // retry-after seconds scaled to 10 ms: the same waits, not 1 s each
    expect(new Set(bus.events().map((e) => e.id))).toEqual(clean);
    expect(result.rateLimited).toBe(2);
    expect(result.serverErrors).toBe(2);
    expect(countBy(standin.takeRequests().map((r) => String(r.status)))).toMatchObject({ 403: 1, 429: 1, 502: 1, 503: 1 });
  }, 30_000);

  it('gives up after a bounded number of retries of a rate limit that does not lift (a later run resumes)', async () => {
    const cursors = new MemoryCursorStore();
    standin.fault({ path: /\/repos\/acme\/web\/releases$/, status: 403, retryAfter: 1, times: 100 });
    await expect(backfill({ cursors, api: { retryBaseMs: 10, rateLimitRetries: 2 } })).rejects.toThrow(/secondary rate limit/);
    expect(standin.takeRequests().filter((r) => r.status === 403)).toHaveLength(3);

    standin.faults.length = 0;
    const { result } = await backfill({ cursors });
    // platform-monorepo and web's earlier kinds were done: only web's releases onwards are fetched.
    expect(result.fetched).toMatchObject({ pullRequests: 60, releases: 6 + 2 });
  });

  it('--since limits a first run to what changed after that time', async () => {
    const { result, bus } = await backfill({ since: '2026-01-12T00:00:00.000Z' });
    expect(result.fetched.pullRequests).toBeGreaterThan(0);
    expect(bus.ofType('pull_request').every((e) => e.data.updated_at >= '2026-01-12T00:00:00.000Z')).toBe(true);
    expect(bus.ofType('commit').filter((e) => e.data.parents.length).every((e) => e.data.committed_at >= '2026-01-12T00:00:00.000Z')).toBe(true);
    expect(result.fetched.pullRequests).toBeLessThan(85);
  });

  it('backfills explicit repositories and names the ones GitHub does not show', async () => {
    const { result } = await backfill({ org: undefined, repos: ['acme/web', 'acme/does-not-exist'] });
    expect(result.repos).toEqual(['acme/web']);
    expect(result.missingRepos).toEqual(['acme/does-not-exist']);
    expect(result.fetched.pullRequests).toBe(15);
  });
});

describe('backfill cost', () => {
  it('spends few requests per 1,000 pull requests (GraphQL pages of 50 with reviews and commits nested)', async () => {
    await standin.close();
    fixture = githubFixture({ pullRequests: 1_000, repos: 1 });
    standin = await GithubApiStandin.start({ fixture });
    const { result } = await backfill({ kinds: ['pull_requests'] });
    expect(result.fetched.pullRequests).toBe(1_000);
    // 1 conditional probe + 20 GraphQL pages + 3 REST pages for the two pull requests bigger than the query nests.
    expect(result.requestsByKind.pull_requests).toBe(24);
    expect(result.requestsPer1000PullRequests).toBe(24);
  }, 60_000);
});

describe('commit file lists for monorepos', () => {
  it('fetches the detail of the newest default-branch commits of the listed repositories only, within the request budget', async () => {
    const { result, bus } = await backfill({ kinds: ['commits'], commitFiles: { requests: 5, repos: ['acme/platform-monorepo'] } });
    const details = standin.takeRequests().filter((r) => /\/commits\/[0-9a-f]{40}$/.test(r.path));
    expect(details.map((r) => r.path.split('/')[3])).toEqual(Array(5).fill('platform-monorepo'));
    expect(result.fetched.commitFiles).toBe(5);
    const monorepo = fixture.repos.find((r) => r.name === 'platform-monorepo')!;
    // Newest first: the last five commits of main (squash merges of #4, #5, #6, #8, #9; #7 was closed) carry their PR's files.
    const newest = monorepo.commits.slice(-5);
    const commits = bus.ofType('commit').filter((e) => e.data.repo === 'acme/platform-monorepo' && e.raw.event === 'backfill.commit');
    const filesBySha = new Map(commits.map((e) => [e.data.sha, e.data.files]));
    for (const c of newest) expect(filesBySha.get(c.sha)).toEqual(c.files);
    expect(newest.map((c) => c.files?.[0]?.split('/')[1])).toEqual(['ledger', 'billing', 'ledger', 'ledger', 'billing']);
    // Older commits stay unknown (null), never "no files".
    expect(commits.filter((e) => e.data.files === null).map((e) => e.data.sha).sort()).toEqual(monorepo.commits.slice(0, -5).map((c) => c.sha).sort());
    expect(bus.ofType('commit').filter((e) => e.data.repo !== 'acme/platform-monorepo' && e.data.files !== null)).toEqual([]);
  });
});
