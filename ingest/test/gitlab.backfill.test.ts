import { CanonicalEvent, type EventOf, type EventType } from '@paved/schemas';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../src/bus/in-process.js';
import type { BusRecord } from '../src/bus/bus.js';
import { MemoryCursorStore } from '../src/backfill-cursor.js';
import { defaultNormaliseContext, type NormaliseContext } from '../src/delivery.js';
import { GitlabApi, GitlabHttpError, nextPageOf, type GitlabApiClientOptions } from '../src/gitlab/api.js';
import { backfillGitlab, type GitlabBackfillOptions, type GitlabBackfillResult } from '../src/gitlab/backfill.js';
import { issueDelivery } from '../src/gitlab/backfill-extract.js';
import { normalise } from '../src/normalise.js';
import { GitlabApiStandin, fxSha, gitlabFixture, type GitlabFixture } from './gitlab-api-standin.js';

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
  deliveryKeys(): string[] {
    return this.records.filter((r) => r.topic === 'raw').map((r) => r.key ?? '');
  }
}

const context: NormaliseContext = { ...defaultNormaliseContext };
let standin: GitlabApiStandin | null = null;
afterEach(async () => {
  await standin?.close();
  standin = null;
});

async function start(fixture: GitlabFixture = gitlabFixture()): Promise<GitlabApiStandin> {
  standin = await GitlabApiStandin.start(fixture);
  return standin;
}

interface Run extends Partial<Omit<GitlabBackfillOptions, 'api'>> { api?: Partial<GitlabApiClientOptions> }

async function backfill(options: Run = {}): Promise<{ result: GitlabBackfillResult; bus: RecordingBus; api: GitlabApi }> {
  const bus = (options.bus as RecordingBus | undefined) ?? new RecordingBus();
  const api = new GitlabApi({ apiUrl: standin!.url, token: 'standin-token', sleep: async () => {}, retryBaseMs: 0, ...options.api });
  const result = await backfillGitlab({ cursors: new MemoryCursorStore(), context, groups: ['acme'], progressEveryMs: 0, ...options, api, bus });
  return { result, bus, api };
}

const countBy = (values: string[]) => {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
};
const payments = (i: number) => fxSha(`acme/payments:main:${i}`);

describe('paved backfill gitlab against the GitLab API stand-in', () => {
  it('lands merge requests with commits, approvals and comments, history, deployments, incidents and compares of the fixture group', async () => {
    await start();
    const { result, bus } = await backfill();

    expect(result.projects).toEqual(['acme/payments', 'acme/platform/web']);
    expect(result.fetched).toEqual({
      mergeRequests: 13, mergeRequestCommits: 26, approvals: 13, notes: 26, commits: 35, environments: 3, deployments: 6, incidents: 2, releases: 2, compares: 2, catalogFiles: 1,
    });
    // 13 pull requests, 13 comments + 13 approvals, 26 MR commits + 35 history commits + 20 compared, one push per history commit,
    // 6 deployments in 2 hooks each (running, then the outcome), 2 incidents, 2 compares.
    expect(countBy(bus.events().map((e) => e.type))).toEqual({ pull_request: 13, review: 26, commit: 81, push: 35, deployment: 12, incident: 2, compare: 2, catalog_entity: 1 });
    expect(bus.ofType('catalog_entity')[0]!.data).toMatchObject({ service: 'payments', team: 'payments', repo: 'acme/payments' });
    expect(result.catalogProblems).toEqual([]);
    expect(result.deadLettered).toBe(0);
    expect(result.ignored).toBe(2); // releases: archived for replay like Release Hooks
    expect(bus.records.filter((r) => r.topic === 'dlq')).toEqual([]);

    // Merge request 1: opened 08:00, commits authored 06:00 and 06:30, Raj comments at 08:45 and approves at 09:30, merged at 11:00.
    const mr1 = bus.ofType('pull_request').find((e) => e.data.repo === 'acme/payments' && e.data.number === 1)!.data;
    expect(mr1).toMatchObject({
      state: 'merged', opened_at: '2026-01-06T08:00:00.000Z', first_commit_at: '2026-01-06T06:00:00.000Z', first_review_at: '2026-01-06T08:45:00.000Z',
      approved_at: '2026-01-06T09:30:00.000Z', merged_at: '2026-01-06T11:00:00.000Z', merge_commit_sha: fxSha('acme/payments:mr1:merge'),
      author: { login: 'gitlab-user:11' }, labels: ['backend'], base_ref: 'main',
      commit_shas: [fxSha('acme/payments:mr1:c0'), fxSha('acme/payments:mr1:c1')],
    });
    const reviews = bus.ofType('review').filter((e) => e.data.repo === 'acme/payments' && e.data.pr_number === 1).map((e) => e.data);
    expect(reviews.map((r) => [r.id, r.state, r.reviewer.login, r.submitted_at])).toEqual([
      ['gitlab:acme/payments:note/100', 'commented', 'gitlab-user:12', '2026-01-06T08:45:00.000Z'],
      ['gitlab:acme/payments!1:approval:12:2026-01-06T09:30:00.000Z', 'approved', 'gitlab-user:12', '2026-01-06T09:30:00.000Z'],
    ]);

    // The failed production deployment as GitLab's hooks report it: running, then failed.
    expect(bus.ofType('deployment').filter((e) => e.data.id === 'gitlab:acme/payments:5003').map((e) => [e.data.status, e.data.status_at, e.data.sha])).toEqual([
      ['in_progress', '2026-01-07T09:52:00.000Z', payments(19)], ['failure', '2026-01-07T10:00:00.000Z', payments(19)],
    ]);
    // Compares between consecutive successful production deployments (the failed one is not one of them).
    const compares = bus.ofType('compare').map((e) => e.data);
    expect(compares.map((c) => [c.base, c.head, c.commits.length, c.status])).toEqual([
      [payments(9), payments(19), 10, 'ahead'], [payments(19), payments(29), 10, 'ahead'],
    ]);
    expect(compares[0]!.commits).toEqual(Array.from({ length: 10 }, (_, i) => payments(10 + i)));

    // History as one push per commit, parent → sha; the revert names what it reverts.
    expect(bus.ofType('push').find((e) => e.data.after === payments(12))?.data).toMatchObject({ before: payments(11), ref: 'refs/heads/main', commits: [payments(12)] });
    expect(bus.ofType('commit').find((e) => e.data.sha === payments(12))?.data.reverts_sha).toBe(payments(11));

    const incidents = Object.fromEntries(bus.ofType('incident').map((e) => [e.data.id, e.data]));
    expect(Object.keys(incidents).sort()).toEqual(['gitlab:acme/payments#41', 'gitlab:acme/payments#42']);
    expect(incidents['gitlab:acme/payments#41']).toMatchObject({
      status: 'resolved', severity: 'high', service: 'payments', opened_at: '2026-01-07T10:20:00.000Z', resolved_at: '2026-01-07T12:30:00.000Z',
      linked_deployment_ids: ['gitlab:acme/payments:5003'],
    });
    expect(incidents['gitlab:acme/payments#42']).toMatchObject({ status: 'open', severity: 'unknown' }); // labelled "incident"
  });

  it('an incident backfilled is the incident its Issue Hook gives (same mapping, same data)', async () => {
    await start();
    const { bus } = await backfill({ kinds: ['incidents'], projects: ['acme/payments'], groups: [] });
    const backfilled = bus.ofType('incident').find((e) => e.data.id === 'gitlab:acme/payments#41')!;
    // The same issue as GitLab's documented Issue Hook for an incident (webhook_events.md shape) reports it on close.
    const hook = {
      object_kind: 'issue', event_type: 'incident', user: { id: 13, name: 'Ops', username: 'ops-bot' },
      project: { id: 101, path_with_namespace: 'acme/payments', web_url: 'https://gitlab.example.com/acme/payments' },
      object_attributes: {
        id: 9001, iid: 41, title: 'Checkout errors after deploy', description: 'Started after the deploy.\nDeployment: gitlab:acme/payments:5003', state: 'closed', action: 'close',
        created_at: '2026-01-07 10:20:00 UTC', updated_at: '2026-01-07 12:30:00 UTC', closed_at: '2026-01-07 12:30:00 UTC', type: 'Incident', severity: 'high',
        url: 'https://gitlab.example.com/acme/payments/-/issues/41', labels: [{ id: 1, title: 'service::payments' }],
      },
      labels: [{ id: 1, title: 'service::payments' }],
    };
    const live = normalise({ source: 'gitlab', event: 'Issue Hook', deliveryId: 'live', receivedAt: '2026-01-07T12:30:01.000Z', payload: hook }, context);
    expect(live.kind).toBe('ok');
    const liveIncident = live.kind === 'ok' ? live.events.find((e) => e.type === 'incident')! : null;
    expect(backfilled.data).toEqual(liveIncident!.data);
  });

  it('a second run asks one page per listing and fetches only what changed since', async () => {
    const fixture = gitlabFixture();
    await start(fixture);
    const cursors = new MemoryCursorStore();
    await backfill({ cursors });
    standin!.takeRequests();

    const quiet = await backfill({ cursors });
    // Group listing 1; per project: merge requests 1, history 1, environments 1 + one per environment, incidents 2 (type, label), releases 1, catalog file 1.
    expect(quiet.result.requests).toBe(1 + (1 + 1 + 1 + 2 + 2 + 1 + 1) + (1 + 1 + 1 + 1 + 2 + 1 + 1));
    expect(quiet.result.deliveries).toBe(0);
    expect(quiet.bus.records).toEqual([]);
    // From the newest update the first run saw: merge request 12 of payments (09:17 + 3 h), the only one of web.
    expect(standin!.takeRequests().filter((r) => r.path.includes('/merge_requests?')).map((r) => new URL(r.path, 'http://x').searchParams.get('updated_after')))
      .toEqual(['2026-01-06T12:17:00.000Z', '2026-01-04T15:00:00.000Z']);

    // Merge request 5 gets a new comment; a deployment finishes on production.
    const mr5 = fixture.projects[0]!.mergeRequests[4]!;
    mr5.updatedAt = '2026-01-09T10:00:00.000Z';
    mr5.comments.push({ id: 9999, author: { id: 14, username: 'kim', name: 'Kim' }, at: '2026-01-09T10:00:00.000Z', body: 'late thought' });
    fixture.projects[0]!.commits.push({ ...fixture.projects[0]!.commits[29]!, id: fxSha('acme/payments:main:30'), parentIds: [payments(29)], committedAt: '2026-01-09T11:00:00.000Z', authoredAt: '2026-01-09T10:50:00.000Z', message: 'change 30' });
    fixture.projects[0]!.deployments.push({ ...fixture.projects[0]!.deployments[4]!, id: 5006, sha: fxSha('acme/payments:main:30'), createdAt: '2026-01-09T11:50:00.000Z', updatedAt: '2026-01-09T12:00:00.000Z', startedAt: '2026-01-09T11:52:00.000Z', finishedAt: '2026-01-09T12:00:00.000Z', jobId: 75006 });
    const changed = await backfill({ cursors });
    expect(changed.result.fetched).toMatchObject({ mergeRequests: 1, notes: 3, commits: 1, deployments: 1, compares: 1, incidents: 0, releases: 0 });
    expect(changed.bus.ofType('pull_request').map((e) => e.data.number)).toEqual([5]);
    expect(changed.bus.ofType('compare').map((e) => [e.data.base, e.data.head, e.data.commits])).toEqual([[payments(29), fxSha('acme/payments:main:30'), [fxSha('acme/payments:main:30')]]]);
    // The quiet run's requests, plus three for the merge request and one compare.
    expect(changed.result.requests).toBe(quiet.result.requests + 3 + 1);
  });

  it('backfilling 1,000 merge requests costs 3,010 requests: 10 listing pages and commits, approvals and notes per merge request', async () => {
    await start(gitlabFixture({ mergeRequests: 1000 }));
    const { result, bus } = await backfill({ kinds: ['merge_requests'], projects: ['acme/payments'], groups: [] });
    expect(result.fetched.mergeRequests).toBe(1000);
    expect(result.requestsByKind.merge_requests).toBe(3010);
    expect(result.requestsPer1000MergeRequests).toBe(3010);
    expect(result.requests).toBe(3011); // and the project itself
    expect(new Set(bus.ofType('pull_request').map((e) => e.data.number)).size).toBe(1000);
  }, 60_000);

  it('an interrupted run (GitLab answers 500 from the 400th request on) goes on where it stopped: nothing fetched twice but the merge request in flight, nothing published twice', async () => {
    await start(gitlabFixture({ mergeRequests: 250 }));
    const cursors = new MemoryCursorStore();
    const bus = new RecordingBus();
    standin!.failAfter = 400;
    await expect(backfill({ cursors, bus, kinds: ['merge_requests'], projects: ['acme/payments'], groups: [], api: { maxRetries: 2 } })).rejects.toBeInstanceOf(GitlabHttpError);
    const firstRun = standin!.takeRequests().filter((r) => r.status === 200);
    const publishedFirst = bus.ofType('pull_request').length;
    // 1 project + 1 page + 3 per merge request, the 400th request failing: 132 merge requests complete.
    expect(publishedFirst).toBe(132);

    standin!.failAfter = null;
    const { result } = await backfill({ cursors, bus, kinds: ['merge_requests'], projects: ['acme/payments'], groups: [] });
    const secondRun = standin!.takeRequests();
    expect(result.fetched.mergeRequests).toBe(250 - 132);
    // Every merge request published once, under one delivery id each.
    const numbers = bus.ofType('pull_request').map((e) => e.data.number);
    expect(numbers).toHaveLength(250);
    expect(new Set(numbers).size).toBe(250);
    const keys = bus.deliveryKeys();
    expect(new Set(keys).size).toBe(keys.length);
    // The second run resumes at the second listing page and never asks again for a merge request the first run finished.
    expect(secondRun.some((r) => r.path.includes('/merge_requests?') && !r.path.includes('page=2') && !r.path.includes('page=3'))).toBe(false);
    const detailsFirst = new Set(firstRun.filter((r) => /\/merge_requests\/\d+\/notes/.test(r.path)).map((r) => r.path.split('/notes')[0]));
    const refetched = secondRun.filter((r) => /\/merge_requests\/\d+\/commits/.test(r.path) && detailsFirst.has(r.path.split('/commits')[0]!));
    expect(refetched).toEqual([]);
    expect(secondRun.filter((r) => /\/merge_requests\/\d+\/commits/.test(r.path))).toHaveLength(118);
  });

  it('saves progress within a page of merge requests at most every progressEveryMs (each save waits for the warehouse)', async () => {
    await start(gitlabFixture({ mergeRequests: 250 }));
    const saves = async (progressEveryMs: number) => {
      const cursors = new MemoryCursorStore();
      let count = 0;
      const counting = { load: cursors.load.bind(cursors), save: async (...args: Parameters<MemoryCursorStore['save']>) => { count += 1; await cursors.save(...args); } };
      await backfill({ cursors: counting, kinds: ['merge_requests'], projects: ['acme/payments'], groups: [], progressEveryMs });
      return count;
    };
    // Three pages: two saves of the next page, one of the completed walk, and (every 0 ms) one after each merge request but a page's last.
    expect(await saves(0)).toBe(3 + 247);
    // A minute: the stand-in answers a page far sooner, so only the pages (the default is a second).
    expect(await saves(60_000)).toBe(3);
  });

  it('where the approvals API is refused (403) it asks once, and reads approvals (and their times) from the notes', async () => {
    await start();
    standin!.fault({ path: /\/approvals$/, status: 403, times: 1000 });
    const { result, bus } = await backfill({ kinds: ['merge_requests'], projects: ['acme/payments'], groups: [] });
    expect(standin!.requests.filter((r) => r.path.includes('/approvals'))).toHaveLength(1);
    expect(result.fetched.mergeRequests).toBe(12);
    expect(result.requestsByKind.merge_requests).toBe(1 + 12 * 2 + 1);
    const mr1 = bus.ofType('pull_request').find((e) => e.data.number === 1)!.data;
    expect(mr1.approved_at).toBe('2026-01-06T09:30:00.000Z');
    expect(bus.ofType('review').filter((e) => e.data.state === 'approved')).toHaveLength(12);
  });

  it('waits out a 429 for its Retry-After, and waits for RateLimit-Reset before sending once RateLimit-Remaining is 0 (no real waits)', async () => {
    await start();
    const waits: number[] = [];
    standin!.fault({ path: /\/merge_requests$/, status: 429, retryAfter: 30 });
    const limited = await backfill({ kinds: ['merge_requests'], projects: ['acme/payments'], groups: [], api: { sleep: async (ms) => { waits.push(ms); } } });
    expect(waits).toEqual([30_000]);
    expect(limited.result.rateLimited).toBe(1);
    expect(limited.result.fetched.mergeRequests).toBe(12);

    // A window of 5 requests: the client stops when GitLab says none are left and resumes at the reset, without a 429.
    waits.length = 0;
    standin!.rateLimit = { limit: 5, remaining: 5, resetAt: Math.floor(Date.parse('2026-01-10T00:00:00Z') / 1000) };
    standin!.takeRequests();
    const throttled = await backfill({
      kinds: ['merge_requests'], projects: ['acme/payments'], groups: [],
      api: { now: () => Date.parse('2026-01-09T23:59:00Z'), sleep: async (ms) => { waits.push(ms); standin!.refill(); } },
    });
    expect(standin!.takeRequests().filter((r) => r.status === 429)).toEqual([]);
    expect(throttled.result.throttled).toBeGreaterThan(5);
    expect(new Set(waits)).toEqual(new Set([60_000]));
    expect(throttled.result.fetched.mergeRequests).toBe(12);
  });

  it('follows X-Next-Page when GitLab sends no Link header, and says which token scope a 401 needs', async () => {
    expect(nextPageOf(new Headers({ 'x-next-page': '3' }), 'https://gitlab.example.com/api/v4/projects/1/merge_requests?per_page=100&page=2'))
      .toBe('https://gitlab.example.com/api/v4/projects/1/merge_requests?per_page=100&page=3');
    expect(nextPageOf(new Headers({ 'x-next-page': '' }), 'https://gitlab.example.com/api/v4/x')).toBeNull();
    await start();
    const api = new GitlabApi({ apiUrl: standin!.url, token: 'wrong' });
    await expect(api.get('/projects/acme%2Fpayments')).rejects.toThrow(/GITLAB_TOKEN .*read_api/);
  });

  it('an issue that is neither of type incident nor labelled is not listed, and a REST issue maps like its hook', () => {
    const project = { id: 1, path_with_namespace: 'acme/x', default_branch: 'main' };
    const delivery = issueDelivery(project, {
      id: 1, iid: 7, title: 't', state: 'opened', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T01:00:00.000Z', labels: ['Incident::Active'], type: 'ISSUE', severity: 'CRITICAL',
    });
    const outcome = normalise(delivery, context);
    expect(outcome.kind === 'ok' && outcome.events[0]?.type === 'incident' ? outcome.events[0].data : null).toMatchObject({ id: 'gitlab:acme/x#7', severity: 'critical', status: 'open' });
  });
});
