import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultNormaliseContext } from '../src/delivery.js';
import { GlApprovals, GlCommit, GlDeployment, GlMergeRequest, deploymentDeliveries, mergeRequestDelivery } from '../src/gitlab/backfill-extract.js';
import { normalise } from '../src/normalise.js';
import { GitlabApiStandin, gitlabFixture } from './gitlab-api-standin.js';

/*
 * The GitLab API stand-in against GitLab's own documentation: example responses copied unchanged
 * from gitlabhq/gitlabhq doc/api (fixtures/gitlab-api, see its README). Backfill must read the
 * documented answers, and the stand-in must answer with every documented field, of the same JSON type.
 */

type Json = Record<string, unknown>;
const documented = (name: string): Json[] => {
  const value = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'gitlab-api', name), 'utf8')) as Json | Json[];
  return Array.isArray(value) ? value : [value];
};
const kind = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** Fields of `doc` that `answer` lacks or types differently (null matches anything: GitLab writes null for absent values), recursively into objects. */
function shapeDifferences(doc: Json, answer: Json, ignored: readonly string[], path = ''): string[] {
  return Object.entries(doc).flatMap(([key, value]) => {
    const where = `${path}${key}`;
    if (ignored.includes(where)) return [];
    if (!(key in answer)) return [`${where}: missing`];
    const given = answer[key];
    if (value === null || given === null) return [];
    if (kind(value) !== kind(given)) return [`${where}: ${kind(given)} where GitLab documents ${kind(value)}`];
    if (kind(value) === 'object') return shapeDifferences(value as Json, given as Json, ignored, `${where}.`);
    return [];
  });
}

let standin: GitlabApiStandin;
beforeAll(async () => {
  standin = await GitlabApiStandin.start(gitlabFixture({ mergeRequests: 1 }));
});
afterAll(async () => standin.close());

async function get(path: string): Promise<Json[]> {
  const response = await fetch(`${standin.url}${path}`, { headers: { 'private-token': 'standin-token' } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as Json | Json[];
  return Array.isArray(body) ? body : [body];
}

// Fields the stand-in leaves out on purpose: nothing Paved reads, and GitLab omits several of them itself by version and tier.
const MR_IGNORED = ['milestone', 'time_stats', 'task_completion_status', 'allow_collaboration', 'allow_maintainer_to_push'] as const;
const DEPLOYMENT_IGNORED = ['deployable.runner', 'deployable.project', 'deployable.commit.author_email', 'deployable.commit.author_name', 'deployable.commit.message',
  'deployable.user.created_at', 'deployable.user.bio', 'deployable.user.location', 'deployable.user.public_email', 'deployable.user.skype', 'deployable.user.linkedin',
  'deployable.user.twitter', 'deployable.user.website_url', 'deployable.user.organization'] as const;

describe('the GitLab API stand-in answers as GitLab documents', () => {
  it('merge requests: backfill reads the documented list, and the stand-in has every documented field', async () => {
    const [doc] = documented('merge-requests-list.json');
    const parsed = GlMergeRequest.parse(doc);
    const [answer] = await get('/projects/acme%2Fpayments/merge_requests?state=all');
    expect(shapeDifferences(doc!, answer!, MR_IGNORED)).toEqual([]);
    // Through extract and the Merge Request Hook mapping: the documented merge request as a pull request.
    const delivery = mergeRequestDelivery({ id: 3, path_with_namespace: 'my-group/my-project' }, { merge_request: parsed, commits: [], approvals: { approved_by: [] }, notes: [] });
    const outcome = normalise(delivery, defaultNormaliseContext);
    expect(outcome.kind === 'ok' ? outcome.events.find((e) => e.type === 'pull_request')?.data : outcome).toMatchObject({
      repo: 'my-group/my-project', number: 1, state: 'merged', merged_at: '2018-09-07T11:16:17.520Z', opened_at: '2017-04-29T08:46:00.000Z', labels: ['Community contribution', 'Manage'],
      author: { login: 'gitlab-user:1' },
    });
  });

  it('approvals: the documented answer names approvers without a time; the stand-in answers the same fields', async () => {
    const [doc] = documented('merge-request-approvals.json');
    expect(GlApprovals.parse(doc).approved_by.map((a) => [a.user.username, a.approved_at ?? null])).toEqual([['root', null]]);
    const [answer] = await get('/projects/acme%2Fpayments/merge_requests/1/approvals');
    expect(shapeDifferences(doc!, answer!, [])).toEqual([]);
    expect(Object.keys((answer!.approved_by as Json[])[0]!)).toEqual(['user']);
  });

  it('commits: backfill reads both documented commits (the second has no authored_date), and the stand-in has every documented field', async () => {
    const docs = documented('commits-list.json');
    expect(docs.map((c) => GlCommit.parse(c).id)).toEqual(['ed899a2f4b50b4370feeea94676502b42383c746', '6104942438c14ec7bd21c6cd5bd995272b3faff6']);
    const [answer] = await get('/projects/acme%2Fpayments/repository/commits?ref_name=main');
    for (const doc of docs) expect(shapeDifferences(doc, answer!, [])).toEqual([]);
  });

  it('deployments: backfill reads the documented list, and the stand-in has every documented field Paved reads', async () => {
    const docs = documented('deployments-list.json');
    const [answer] = await get('/projects/acme%2Fpayments/deployments?environment=production');
    for (const doc of docs) expect(shapeDifferences(doc, answer!, DEPLOYMENT_IGNORED)).toEqual([]);
    // A deployment still `created` is reported as GitLab's hook would: pending, at its update.
    const deliveries = deploymentDeliveries({ id: 1, path_with_namespace: 'root/project', web_url: 'http://gitlab.dev/root/project' }, GlDeployment.parse(docs[1]));
    const outcome = normalise(deliveries[0]!, defaultNormaliseContext);
    expect(deliveries).toHaveLength(1);
    expect(outcome.kind === 'ok' ? outcome.events[0]?.data : outcome).toMatchObject({
      id: 'gitlab:root/project:42', environment: 'production', status: 'pending', sha: 'a91957a858320c0e17f3a0eca7cfacbff50ea29a', status_at: '2016-08-11T11:34:01.123Z',
    });
  });
});
