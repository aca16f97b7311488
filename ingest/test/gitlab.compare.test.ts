import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventOf } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import type { Bus, BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { defaultNormaliseContext, type Delivery } from '../src/delivery.js';
import { completedPushDelivery, fetchGitlabCompare, GitlabApiError, truncatedPush, type GitlabApiOptions } from '../src/gitlab/compare.js';
import { GITLAB_ASSUMED, normaliseGitlab } from '../src/gitlab/normalise.js';
import { GitlabPushCompletion } from '../src/gitlab/push-completion.js';

/*
 * Completing a GitLab push that listed only its newest 20 commits with GitLab's compare API. GitLab
 * is stood in for by a fetch function answering like GitLab's documented compare response
 * (doc/api/repositories.md: commits with id, title, author_name, author_email, created_at).
 */

const sha = (n: number) => n.toString(16).padStart(40, '0');
const BEFORE = 'f'.repeat(40);
const PROJECT = 'acme/platform/shop';

/** A push of 25 commits (sha(1)..sha(25), oldest first) of which GitLab listed the newest 20, with files. */
function truncated(): Delivery {
  const base = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'gitlab', '01-push-hook.json'), 'utf8')) as Record<string, any>;
  const commits = Array.from({ length: 20 }, (_, i) => ({
    id: sha(i + 6), message: `change ${i + 6}`, title: `change ${i + 6}`, timestamp: '2026-03-03T07:00:00Z',
    author: { name: 'Dev One', email: 'dev1@acme.test' }, added: [], modified: [`services/shop/file${i + 6}.ts`], removed: [],
  }));
  const payload = { ...base, before: BEFORE, after: sha(25), checkout_sha: sha(25), commits, total_commits_count: 25, project: { ...base.project, path_with_namespace: PROJECT } };
  return { source: 'gitlab', event: 'Push Hook', deliveryId: 'gitlab-idempotency:k-1', receivedAt: '2026-03-03T07:05:00.000Z', payload };
}

const compareCommit = (n: number) => ({ id: sha(n), short_id: sha(n).slice(0, 11), title: `change ${n}`, author_name: 'Dev One', author_email: 'dev1@acme.test', created_at: '2026-03-03T06:00:00+00:00' });

interface Call { url: string; token: string | null }
function standIn(answers: Response[]): { options: GitlabApiOptions; calls: Call[]; slept: number[] } {
  const calls: Call[] = [];
  const slept: number[] = [];
  const options: GitlabApiOptions = {
    apiUrl: 'https://gitlab.example.com/api/v4/',
    token: 'glpat-secret',
    fetch: async (input, init) => {
      calls.push({ url: String(input), token: new Headers(init?.headers).get('private-token') });
      const answer = answers.shift();
      if (!answer) throw new Error('the stand-in has no more answers');
      return answer;
    },
    sleep: async (ms) => { slept.push(ms); },
    now: () => Date.parse('2026-03-03T07:05:00Z'),
  };
  return { options, calls, slept };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('fetchGitlabCompare', () => {
  it('asks for the URL-encoded project path between the two shas with the token as PRIVATE-TOKEN', async () => {
    const { options, calls } = standIn([json({ commits: [compareCommit(1)], compare_timeout: false, compare_same_ref: false })]);
    const compare = await fetchGitlabCompare(options, PROJECT, BEFORE, sha(25));
    expect(compare.commits.map((commit) => commit.id)).toEqual([sha(1)]);
    expect(calls).toEqual([{ url: `https://gitlab.example.com/api/v4/projects/acme%2Fplatform%2Fshop/repository/compare?from=${BEFORE}&to=${sha(25)}`, token: 'glpat-secret' }]);
  });

  it('waits out a rate limit (Retry-After, else RateLimit-Reset) and asks again', async () => {
    const { options, calls, slept } = standIn([
      json({ message: '429 Too Many Requests' }, 429, { 'retry-after': '2' }),
      json({ message: '429 Too Many Requests' }, 429, { 'ratelimit-reset': String(Date.parse('2026-03-03T07:05:05Z') / 1000) }),
      json({ commits: [] }),
    ]);
    await fetchGitlabCompare(options, PROJECT, BEFORE, sha(25));
    expect(slept).toEqual([2000, 5000]);
    expect(calls).toHaveLength(3);
  });

  it('gives up with the reason: retries spent, a wait too long, no access, or a body that is not a compare', async () => {
    const limited = () => json({}, 429, { 'retry-after': '1' });
    await expect(fetchGitlabCompare({ ...standIn([limited(), limited()]).options, maxRetries: 1 }, PROJECT, BEFORE, sha(25))).rejects.toThrow('answered 429');
    await expect(fetchGitlabCompare(standIn([json({}, 429, { 'retry-after': '3600' })]).options, PROJECT, BEFORE, sha(25))).rejects.toThrow('longer than 60 s');
    await expect(fetchGitlabCompare(standIn([json({ message: '401 Unauthorized' }, 401)]).options, PROJECT, BEFORE, sha(25))).rejects.toThrow('check GITLAB_TOKEN has read_api');
    await expect(fetchGitlabCompare(standIn([json({ commit: null })]).options, PROJECT, BEFORE, sha(25))).rejects.toBeInstanceOf(GitlabApiError);
  });
});

describe('completing a truncated push', () => {
  it('only a push that listed fewer than it had, and has a before to compare from, is completed', () => {
    expect(truncatedPush(truncated())).toEqual({ project: PROJECT, before: BEFORE, after: sha(25) });
    const complete = truncated();
    (complete.payload as Record<string, unknown>).total_commits_count = 20;
    expect(truncatedPush(complete)).toBeUndefined();
    const created = truncated();
    (created.payload as Record<string, unknown>).before = '0'.repeat(40);
    expect(truncatedPush(created)).toBeUndefined();
    expect(truncatedPush({ ...truncated(), event: 'Merge Request Hook' })).toBeUndefined();
  });

  it('the completed push carries all 25 commits oldest first; the 20 listed keep their files; Data health says it was completed', () => {
    const completed = completedPushDelivery(truncated(), { commits: Array.from({ length: 25 }, (_, i) => compareCommit(i + 1)) }, '2026-03-03T07:05:01.000Z');
    expect(completed.deliveryId).toBe('gitlab-idempotency:k-1:compare');
    expect(truncatedPush(completed)).toBeUndefined();
    const outcome = normaliseGitlab(completed, defaultNormaliseContext);
    if (outcome.kind !== 'ok') throw new Error(outcome.reason);
    const push = outcome.events.find((event) => event.type === 'push')!.data as EventOf<'push'>['data'];
    expect(push.commits).toEqual(Array.from({ length: 25 }, (_, i) => sha(i + 1)));
    const commits = outcome.events.filter((event) => event.type === 'commit').map((event) => event.data as EventOf<'commit'>['data']);
    expect(commits).toHaveLength(25);
    expect(commits[0]).toMatchObject({ sha: sha(1), authored_at: '2026-03-03T06:00:00.000Z', files: null, author: { name: 'Dev One' } });
    expect(commits[24]).toMatchObject({ sha: sha(25), files: ['services/shop/file25.ts'] });
    expect(outcome.assumptions).toEqual([GITLAB_ASSUMED.pushCompleted]);
  });

  it('a compare that still misses commits (GitLab timed out) stays flagged as truncated', () => {
    const partial = completedPushDelivery(truncated(), { commits: Array.from({ length: 22 }, (_, i) => compareCommit(i + 4)), compare_timeout: true }, '2026-03-03T07:05:01.000Z');
    const outcome = normaliseGitlab(partial, defaultNormaliseContext);
    expect(outcome.kind === 'ok' && outcome.assumptions).toEqual([GITLAB_ASSUMED.pushTruncated, GITLAB_ASSUMED.pushCompleted]);
  });
});

describe('GitlabPushCompletion (after the webhook is acknowledged)', () => {
  class RecordingBus extends InProcessBus {
    readonly records: BusRecord[] = [];
    override async publish(records: BusRecord[]): Promise<void> {
      this.records.push(...records);
    }
  }

  it('publishes the completed push as its own delivery: archived raw, 25 commits and the push', async () => {
    const bus = new RecordingBus();
    const { options } = standIn([json({ commits: Array.from({ length: 25 }, (_, i) => compareCommit(i + 1)) })]);
    const completion = new GitlabPushCompletion(options, bus as Bus, defaultNormaliseContext);
    completion.complete(truncated());
    await completion.settled();
    expect(bus.records.filter((record) => record.topic === 'raw')).toHaveLength(1);
    expect(bus.records.filter((record) => record.topic === 'events')).toHaveLength(26);
    expect(completion.stats).toEqual({ completed: 1, failed: 0, skipped: 0 });
  });

  it('a failure is logged without the token and publishes nothing; a push that needs nothing is left alone', async () => {
    const bus = new RecordingBus();
    const logged: Record<string, unknown>[] = [];
    const { options } = standIn([json({ message: '403 Forbidden' }, 403)]);
    const completion = new GitlabPushCompletion(options, bus as Bus, defaultNormaliseContext, (entry) => logged.push(entry));
    completion.complete(truncated());
    const complete = truncated();
    (complete.payload as Record<string, unknown>).total_commits_count = 20;
    completion.complete(complete);
    await completion.settled();
    expect(bus.records).toEqual([]);
    expect(completion.stats).toEqual({ completed: 0, failed: 1, skipped: 0 });
    expect(logged).toEqual([expect.objectContaining({ level: 'warn', project: PROJECT, error: expect.stringContaining('403') })]);
    expect(JSON.stringify(logged)).not.toContain('glpat-secret');
  });

  it('one completion per project at a time: a second push of the same project meanwhile is skipped and stays flagged', async () => {
    const bus = new RecordingBus();
    const { options } = standIn([json({ commits: [] })]);
    const completion = new GitlabPushCompletion(options, bus as Bus, defaultNormaliseContext);
    completion.complete(truncated());
    completion.complete({ ...truncated(), deliveryId: 'gitlab-idempotency:k-2' });
    await completion.settled();
    expect(completion.stats).toMatchObject({ completed: 1, skipped: 1 });
  });
});
