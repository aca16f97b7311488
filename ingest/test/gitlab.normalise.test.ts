import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalEvent, EventOf, EventType } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { defaultNormaliseContext, type Delivery, type NormaliseContext, type NormaliseOutcome } from '../src/delivery.js';
import { GITLAB_ASSUMED, normaliseGitlab } from '../src/gitlab/normalise.js';
import { gitlabDeliveryId, verifyGitlabToken } from '../src/gitlab/webhook.js';
import { normalise } from '../src/normalise.js';

/*
 * The GitLab normaliser on GitLab's own documented examples (ingest/test/fixtures/gitlab, unchanged)
 * and on variants of them that change one field each, so every expectation names what it depends on.
 */

const RECEIVED_AT = '2026-11-20T12:00:00.000Z';
const FIXTURES = join(import.meta.dirname, 'fixtures', 'gitlab');

type Json = Record<string, any>;
/** A documented example, parsed; a fresh copy per call so variants never leak into each other. */
const example = (file: string): Json => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Json;

function delivery(event: string, payload: unknown, deliveryId = 'gitlab-delivery-1'): Delivery {
  return { source: 'gitlab', event, deliveryId, receivedAt: RECEIVED_AT, payload };
}

function run(event: string, payload: unknown, context: Partial<NormaliseContext> = {}, deliveryId?: string): NormaliseOutcome {
  return normaliseGitlab(delivery(event, payload, deliveryId), { ...defaultNormaliseContext, ...context });
}

function eventsOf(outcome: NormaliseOutcome): CanonicalEvent[] {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}: ${outcome.reason}`);
  return outcome.events;
}

function only<T extends EventType>(outcome: NormaliseOutcome, type: T): EventOf<T>['data'] {
  const matching = eventsOf(outcome).filter((event) => event.type === type);
  expect(matching).toHaveLength(1);
  return matching[0]!.data as EventOf<T>['data'];
}

describe('Push Hook: commits and the push chain, as for GitHub', () => {
  it("GitLab's example becomes its two listed commits (oldest first) and the push, with times in UTC and files", () => {
    const outcome = run('Push Hook', example('01-push-hook.json'));
    const events = eventsOf(outcome);
    expect(events.map((event) => event.type)).toEqual(['push', 'commit', 'commit']);
    const push = only(outcome, 'push');
    expect(push).toMatchObject({
      repo: 'mike/diaspora', ref: 'refs/heads/master',
      before: '95790bf891e76fee5e1747ab589903a6a1f80f22', after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      commits: ['b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'],
      pusher: { login: 'jsmith', name: 'John Smith', email: 'john@example.com' }, pushed_at: RECEIVED_AT, forced: false,
    });
    const first = events[1]!.data as EventOf<'commit'>['data'];
    expect(first).toMatchObject({
      sha: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', repo: 'mike/diaspora', authored_at: '2011-12-12T12:27:31.000Z',
      author: { login: null, name: 'Jordi Mallach', email: 'jordi@softcatala.org' }, files: ['CHANGELOG', 'app/controller/application.rb'],
    });
    expect(events.every((event) => event.source === 'gitlab')).toBe(true);
  });

  it('a push listing fewer commits than total_commits_count is flagged for Data health (the example lists 2 of 4)', () => {
    const outcome = run('Push Hook', example('01-push-hook.json'));
    expect(outcome.kind === 'ok' && outcome.assumptions).toEqual([GITLAB_ASSUMED.pushTruncated]);
  });

  it('a push whose list is complete is not flagged', () => {
    const complete = { ...example('01-push-hook.json'), total_commits_count: 2 };
    const outcome = run('Push Hook', complete);
    expect(outcome.kind).toBe('ok');
    expect(outcome.kind === 'ok' && outcome.assumptions).toBeUndefined();
  });

  it('a push of 25 commits that lists the newest 20 keeps those 20 in order and is flagged', () => {
    const base = example('01-push-hook.json');
    const commits = Array.from({ length: 20 }, (_, index) => ({ ...base.commits[0], id: (index + 6).toString(16).padStart(40, '0') }));
    const outcome = run('Push Hook', { ...base, after: commits[19]!.id, commits, total_commits_count: 25 });
    expect(only(outcome, 'push').commits).toEqual(commits.map((commit) => commit.id));
    expect(outcome.kind === 'ok' && outcome.assumptions).toContain(GITLAB_ASSUMED.pushTruncated);
  });

  it('a revert commit names the commit it reverts', () => {
    const base = example('01-push-hook.json');
    base.commits[1].message = 'Revert "fixed readme"\n\nThis reverts commit b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327.';
    const commits = eventsOf(run('Push Hook', base)).filter((event) => event.type === 'commit');
    expect((commits[1]!.data as EventOf<'commit'>['data']).reverts_sha).toBe('b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327');
  });

  it('a push deleting a branch (after all zeros) is ignored; a push without after is dead-lettered', () => {
    expect(run('Push Hook', { ...example('01-push-hook.json'), after: '0'.repeat(40) }).kind).toBe('ignored');
    const { after: _after, checkout_sha: _checkout, ...headless } = example('01-push-hook.json');
    expect(run('Push Hook', headless)).toEqual({ kind: 'dlq', reason: 'GitLab push without after or checkout_sha' });
  });

  it("a private e-mail address ([REDACTED]) is left out rather than stored as an address", () => {
    const base = example('01-push-hook.json');
    base.user_email = '[REDACTED]';
    expect(only(run('Push Hook', base), 'push').pusher.email).toBeNull();
  });
});

describe('Merge Request Hook: pull requests for PR flow (open, update, approved, merge, close)', () => {
  it("GitLab's example (action open) is an open pull request of the target project", () => {
    const pr = only(run('Merge Request Hook', example('08-merge-request-hook.json')), 'pull_request');
    expect(pr).toMatchObject({
      number: 1, repo: 'gitlabhq/gitlab-test', title: 'MS-Viewport', state: 'open', base_ref: 'master', labels: ['API'],
      head_sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', opened_at: '2013-12-03T17:23:34.000Z', merged_at: null, closed_at: null,
      updated_at: '2013-12-03T17:23:34.000Z',
    });
  });

  it('the author, named only by author_id, is gitlab-user:<id> on every event (so self-reviews can be left out)', () => {
    const opened = example('08-merge-request-hook.json');
    expect(only(run('Merge Request Hook', opened), 'pull_request').author.login).toBe('gitlab-user:51');
    // The author acting themselves: the same login, now with the display name.
    opened.user = { id: 51, name: 'Ada', username: 'ada' };
    expect(only(run('Merge Request Hook', opened), 'pull_request').author).toMatchObject({ login: 'gitlab-user:51', name: 'Ada' });
  });

  it('approved adds an approving review by the acting user at the event time', () => {
    const approved = example('08-merge-request-hook.json');
    approved.object_attributes.action = 'approved';
    approved.object_attributes.updated_at = '2013-12-04T09:00:00Z';
    const outcome = run('Merge Request Hook', approved);
    expect(eventsOf(outcome).map((event) => event.type)).toEqual(['pull_request', 'review']);
    expect(only(outcome, 'review')).toMatchObject({
      repo: 'gitlabhq/gitlab-test', pr_number: 1, state: 'approved', submitted_at: '2013-12-04T09:00:00.000Z', reviewer: { login: 'gitlab-user:1', name: 'Administrator' },
    });
  });

  it('update adds no review', () => {
    const updated = example('08-merge-request-hook.json');
    updated.object_attributes.action = 'update';
    expect(eventsOf(run('Merge Request Hook', updated)).map((event) => event.type)).toEqual(['pull_request']);
  });

  it('merge: merged at the event time with the merge commit; close: closed at the event time', () => {
    const merged = example('08-merge-request-hook.json');
    Object.assign(merged.object_attributes, { action: 'merge', state: 'merged', updated_at: '2013-12-05T10:00:00Z', merge_commit_sha: 'c'.repeat(40) });
    const outcome = run('Merge Request Hook', merged);
    expect(only(outcome, 'pull_request')).toMatchObject({ state: 'merged', merged_at: '2013-12-05T10:00:00.000Z', merge_commit_sha: 'c'.repeat(40) });
    expect(outcome.kind === 'ok' && outcome.assumptions).toBeUndefined();

    const closed = example('08-merge-request-hook.json');
    Object.assign(closed.object_attributes, { action: 'close', state: 'closed', updated_at: '2013-12-06T10:00:00Z' });
    expect(only(run('Merge Request Hook', closed), 'pull_request')).toMatchObject({ state: 'closed', merged_at: null, closed_at: '2013-12-06T10:00:00.000Z' });
  });

  it('a merged merge request reported by another action takes its updated_at as merged_at, and says so', () => {
    const relabelled = example('08-merge-request-hook.json');
    Object.assign(relabelled.object_attributes, { action: 'update', state: 'merged', updated_at: '2013-12-07T10:00:00Z' });
    const outcome = run('Merge Request Hook', relabelled);
    expect(only(outcome, 'pull_request').merged_at).toBe('2013-12-07T10:00:00.000Z');
    expect(outcome.kind === 'ok' && outcome.assumptions).toEqual([GITLAB_ASSUMED.mergedAtFromUpdate]);
  });

  it('without object_attributes.iid the delivery is dead-lettered with the reason', () => {
    const broken = example('08-merge-request-hook.json');
    delete broken.object_attributes.iid;
    expect(run('Merge Request Hook', broken)).toEqual({ kind: 'dlq', reason: 'Merge Request Hook without object_attributes.iid' });
  });
});

describe('Note Hook: a comment on a merge request is a review (pickup)', () => {
  it("GitLab's merge request comment example is a commented review of !1", () => {
    expect(only(run('Note Hook', example('05-note-hook-merge-request.json')), 'review')).toMatchObject({
      id: 'gitlab:gitlab-org/gitlab-test:note/1244', repo: 'gitlab-org/gitlab-test', pr_number: 1, state: 'commented',
      submitted_at: '2015-05-17T18:21:36.000Z', reviewer: { login: 'gitlab-user:1' },
    });
  });

  it('comments on commits, issues and snippets, and system notes, are ignored', () => {
    for (const file of ['04-note-hook-commit.json', '06-note-hook-issue.json', '07-note-hook-snippet.json']) expect(run('Note Hook', example(file)).kind).toBe('ignored');
    const system = example('05-note-hook-merge-request.json');
    system.object_attributes.system = true;
    expect(run('Note Hook', system).kind).toBe('ignored');
  });
});

describe('Deployment Hook: deployments (running, success, failed, canceled)', () => {
  it("GitLab's example is a successful staging deployment of the full sha from commit_url, linked to its job", () => {
    const outcome = run('Deployment Hook', example('12-deployment-hook.json'));
    expect(only(outcome, 'deployment')).toEqual({
      id: 'gitlab:root/test-deployment-webhooks:15', repo: 'root/test-deployment-webhooks', service: null, path: null,
      environment: 'staging', sha: '279484c09fbe69ededfced8c1bb6e6d24616b468', ref: null, status: 'success',
      started_at: '2021-04-28T19:50:00.000Z', finished_at: '2021-04-28T19:50:00.000Z', status_at: '2021-04-28T19:50:00.000Z',
      creator: { login: 'root', name: 'Administrator', email: 'admin@example.com', bot: false },
      workflow_name: null, source_system: 'gitlab_deployments', url: 'http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796',
    });
    expect(outcome.kind === 'ok' && outcome.assumptions).toBeUndefined();
  });

  it.each([
    ['running', 'in_progress', null],
    ['success', 'success', '2021-04-28T19:50:00.000Z'],
    ['failed', 'failure', '2021-04-28T19:50:00.000Z'],
    ['canceled', 'cancelled', '2021-04-28T19:50:00.000Z'],
  ])('status %s is %s (finished at %s)', (written, status, finishedAt) => {
    const deployment = only(run('Deployment Hook', { ...example('12-deployment-hook.json'), status: written }), 'deployment');
    expect(deployment).toMatchObject({ status, finished_at: finishedAt, id: 'gitlab:root/test-deployment-webhooks:15' });
  });

  it('a production deployment keeps its environment; without a full sha the short sha is kept and flagged', () => {
    const payload = { ...example('12-deployment-hook.json'), environment: 'production', commit_url: null };
    const outcome = run('Deployment Hook', payload);
    expect(only(outcome, 'deployment')).toMatchObject({ environment: 'production', sha: '279484c0' });
    expect(outcome.kind === 'ok' && outcome.assumptions).toEqual([GITLAB_ASSUMED.deploymentShaAbbreviated]);
  });

  it('without deployment_id the job (deployable_id) identifies it; without either it is dead-lettered', () => {
    const { deployment_id: _id, ...byJob } = example('12-deployment-hook.json');
    expect(only(run('Deployment Hook', byJob), 'deployment').id).toBe('gitlab:root/test-deployment-webhooks:job/796');
    const { deployable_id: _job, ...neither } = byJob;
    expect(run('Deployment Hook', neither)).toEqual({ kind: 'dlq', reason: 'Deployment Hook without deployment_id or deployable_id' });
  });

  it('a status GitLab does not have is dead-lettered naming it', () => {
    expect(run('Deployment Hook', { ...example('12-deployment-hook.json'), status: 'exploded' })).toEqual({
      kind: 'dlq', reason: 'Deployment Hook status "exploded" is not a GitLab deployment status (running, success, failed, canceled)',
    });
  });
});

describe('Pipeline Hook: deployments only when sources.gitlab.deploymentPipelinePattern says so', () => {
  const pattern = { gitlabDeploymentPipelinePattern: /deploy/i };
  const deployPipeline = (): Json => {
    const payload = example('10-pipeline-hook.json');
    payload.object_attributes.name = 'Deploy checkout';
    return payload;
  };

  it("GitLab's example without a pattern, or with a pattern its name does not match, is ignored", () => {
    expect(run('Pipeline Hook', example('10-pipeline-hook.json')).kind).toBe('ignored');
    expect(run('Pipeline Hook', example('10-pipeline-hook.json'), pattern)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('"Pipeline for branch: master" does not match') });
  });

  it('a finished pipeline whose name matches is a deployment of its sha, in the environment a successful job deployed to', () => {
    const payload = deployPipeline();
    payload.builds[4].status = 'success';
    expect(only(run('Pipeline Hook', payload, pattern), 'deployment')).toMatchObject({
      id: 'gitlab:gitlab-org/gitlab-test:pipeline/31', environment: 'staging', status: 'success', sha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2', ref: 'master',
      started_at: '2016-08-12T15:23:28.000Z', finished_at: '2016-08-12T15:26:29.000Z', workflow_name: 'Deploy checkout', source_system: 'gitlab_pipelines',
    });
  });

  it('with no job environment the name, else metrics.defaultEnvironment, decides; failed is a failure; running is not yet a deployment', () => {
    expect(only(run('Pipeline Hook', deployPipeline(), pattern), 'deployment').environment).toBe('production');
    const toStaging = deployPipeline();
    toStaging.object_attributes.name = 'Deploy to stg';
    expect(only(run('Pipeline Hook', toStaging, pattern), 'deployment').environment).toBe('staging');
    const failed = deployPipeline();
    failed.object_attributes.status = 'failed';
    expect(only(run('Pipeline Hook', failed, pattern), 'deployment').status).toBe('failure');
    const running = deployPipeline();
    running.object_attributes.status = 'running';
    expect(run('Pipeline Hook', running, pattern).kind).toBe('ignored');
  });
});

describe('Issue Hook / Work Item Hook: incidents (type Incident or the incident label)', () => {
  const incidentIssue = (): Json => {
    const payload = example('03-issue-hook.json');
    payload.object_attributes.type = 'Incident';
    return payload;
  };

  it("GitLab's example (type Issue, label API) is ignored: it is not an incident", () => {
    const outcome = run('Issue Hook', example('03-issue-hook.json'));
    expect(outcome.kind).toBe('ignored');
  });

  it('the same issue of type Incident is an open incident with its severity', () => {
    expect(only(run('Issue Hook', incidentIssue()), 'incident')).toEqual({
      id: 'gitlab:gitlabhq/gitlab-test#23', source: 'gitlab', service: null, repo: 'gitlabhq/gitlab-test', severity: 'high',
      title: 'New API: create/update/delete file', status: 'open', opened_at: '2013-12-03T17:15:43.000Z', acknowledged_at: null,
      resolved_at: null, linked_deployment_ids: [], linked_shas: [], url: 'http://example.com/diaspora/issues/23', updated_at: '2013-12-03T17:15:43.000Z',
    });
  });

  it('an issue labelled incident (or incident::<scope>) is an incident too; the label is configurable', () => {
    const labelled = example('03-issue-hook.json');
    labelled.object_attributes.labels.push({ title: 'incident::active' }, { title: 'service::payments' });
    expect(only(run('Issue Hook', labelled), 'incident')).toMatchObject({ id: 'gitlab:gitlabhq/gitlab-test#23', service: 'payments' });
    const custom = example('03-issue-hook.json');
    custom.object_attributes.labels.push({ title: 'outage' });
    expect(run('Issue Hook', custom).kind).toBe('ignored');
    expect(run('Issue Hook', custom, { gitlabIncidentLabel: 'Outage' }).kind).toBe('ok');
  });

  it('escalation acknowledged is acknowledged (at the event when it changed); closing resolves it', () => {
    const acknowledged = incidentIssue();
    Object.assign(acknowledged.object_attributes, { escalation_status: 'acknowledged', action: 'update', updated_at: '2013-12-03T17:30:00Z' });
    acknowledged.changes.escalation_status = { previous: 'triggered', current: 'acknowledged' };
    expect(only(run('Issue Hook', acknowledged), 'incident')).toMatchObject({ status: 'acknowledged', acknowledged_at: '2013-12-03T17:30:00.000Z' });

    const closed = incidentIssue();
    Object.assign(closed.object_attributes, { state: 'closed', action: 'close', updated_at: '2013-12-03T19:15:43Z', closed_at: '2013-12-03T19:15:00Z' });
    expect(only(run('Issue Hook', closed), 'incident')).toMatchObject({ status: 'resolved', resolved_at: '2013-12-03T19:15:00.000Z' });
  });

  it('deployment and root-cause lines in the description become links', () => {
    const linked = incidentIssue();
    linked.object_attributes.description = 'Checkout down.\n\ndeployment: gitlab:gitlabhq/gitlab-test:15\nroot cause: da1560886d4f';
    expect(only(run('Issue Hook', linked), 'incident')).toMatchObject({ linked_deployment_ids: ['gitlab:gitlabhq/gitlab-test:15'], linked_shas: ['da1560886d4f'] });
  });

  it('a Work Item Hook (object_kind work_item) of type Incident is measured the same way', () => {
    const workItem = incidentIssue();
    workItem.object_kind = 'work_item';
    expect(only(run('Work Item Hook', workItem), 'incident').id).toBe('gitlab:gitlabhq/gitlab-test#23');
  });
});

describe('everything else GitLab sends', () => {
  it.each([
    ['Tag Push Hook', '02-tag-push-hook.json'], ['Wiki Page Hook', '09-wiki-page-hook.json'], ['Pipeline Hook', '10-pipeline-hook.json'],
    ['Member Hook', '13-member-hook-add.json'], ['Feature Flag Hook', '22-feature-flag-hook.json'], ['Emoji Hook', '25-emoji-hook.json'],
  ])('%s is ignored with a reason', (event, file) => {
    const outcome = run(event, example(file));
    expect(outcome.kind).toBe('ignored');
    expect(outcome.kind === 'ignored' && outcome.reason.length).toBeGreaterThan(10);
  });

  it('a body that is not an object is dead-lettered', () => {
    expect(run('Push Hook', [1, 2])).toEqual({ kind: 'dlq', reason: 'GitLab Push Hook payload is not a JSON object' });
  });

  it('the same delivery normalises to the same event ids (a redelivery changes nothing downstream)', () => {
    const ids = (deliveryId: string) => eventsOf(run('Push Hook', example('01-push-hook.json'), {}, deliveryId)).map((event) => event.id);
    expect(ids('gitlab-idempotency:k1')).toEqual(ids('gitlab-idempotency:k1'));
    expect(ids('gitlab-idempotency:k1')).not.toEqual(ids('gitlab-idempotency:k2'));
  });

  it('the source registry sends gitlab deliveries to this normaliser', () => {
    expect(normalise(delivery('Deployment Hook', example('12-deployment-hook.json')), defaultNormaliseContext).kind).toBe('ok');
  });
});

describe('X-Gitlab-Token and the delivery id', () => {
  it('only the exact token passes (not a prefix, not empty, not another length)', () => {
    expect(verifyGitlabToken('s3cret-token', 's3cret-token')).toBe(true);
    expect(verifyGitlabToken('s3cret-toke', 's3cret-token')).toBe(false);
    expect(verifyGitlabToken('s3cret-token-and-more', 's3cret-token')).toBe(false);
    expect(verifyGitlabToken('S3cret-token', 's3cret-token')).toBe(false);
    expect(verifyGitlabToken('', 's3cret-token')).toBe(false);
    expect(verifyGitlabToken(undefined, 's3cret-token')).toBe(false);
    expect(verifyGitlabToken('', '')).toBe(false);
  });

  it('Idempotency-Key wins; an event UUID is qualified by the body (one UUID can cover several hooks); else the body hash', () => {
    expect(gitlabDeliveryId({ idempotencyKey: 'k-1', eventUuid: 'u-1' }, 'a')).toBe('gitlab-idempotency:k-1');
    const push = gitlabDeliveryId({ eventUuid: 'u-1' }, '{"object_kind":"push"}');
    const mergeRequest = gitlabDeliveryId({ eventUuid: 'u-1' }, '{"object_kind":"merge_request"}');
    expect(push).toMatch(/^gitlab-event:u-1:[0-9a-f]{16}$/);
    expect(push).not.toBe(mergeRequest);
    expect(gitlabDeliveryId({ eventUuid: 'u-1' }, '{"object_kind":"push"}')).toBe(push);
    expect(gitlabDeliveryId({}, 'body')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
