import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CanonicalEvent, EventOf, EventType } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { defaultNormaliseContext, type Delivery, type NormaliseContext, type NormaliseOutcome } from '../src/delivery.js';
import { explicitLinks, normaliseGithub } from '../src/github/normalise.js';

const RECEIVED_AT = '2024-03-01T12:00:00.000Z';
const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const SHA_C = 'c'.repeat(40);
const ZEROS = '0'.repeat(40);

function delivery(event: string, payload: unknown, deliveryId = 'delivery-1'): Delivery {
  return { source: 'github', event, deliveryId, receivedAt: RECEIVED_AT, payload };
}

function run(event: string, payload: unknown, context: Partial<NormaliseContext> = {}, deliveryId?: string): NormaliseOutcome {
  return normaliseGithub(delivery(event, payload, deliveryId), { ...defaultNormaliseContext, ...context });
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

// ---------------------------------------------------------------------------------------------
// Every example payload GitHub documents (@octokit/webhooks-examples) goes through without surprises.

type Example = { label: string; event: string; payload: Record<string, any> };

const MEASURED_EVENTS = ['push', 'pull_request', 'pull_request_review', 'deployment', 'deployment_status', 'workflow_run', 'issues', 'release', 'check_run', 'ping'];

function loadExamples(): Example[] {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@octokit/webhooks-examples/package.json'));
  const seen = new Set<string>();
  const examples: Example[] = [];
  for (const flavour of readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()) {
    const definitions = JSON.parse(readFileSync(join(root, flavour, 'index.json'), 'utf8')) as { name: string; examples: Record<string, any>[] }[];
    for (const definition of definitions.filter((d) => MEASURED_EVENTS.includes(d.name))) {
      definition.examples.forEach((payload, index) => {
        const key = `${definition.name}:${JSON.stringify(payload)}`;
        if (seen.has(key)) return; // GHES flavours repeat most examples
        seen.add(key);
        examples.push({ label: `${flavour} ${definition.name} ${payload.action ?? ''} #${index}`, event: definition.name, payload });
      });
    }
  }
  return examples;
}

const examples = loadExamples();
const examplesOf = (...events: string[]) => examples.filter((example) => events.includes(example.event));

describe('GitHub example payloads (@octokit/webhooks-examples)', () => {
  it('covers every event Paved subscribes to', () => {
    expect(new Set(examples.map((example) => example.event))).toEqual(new Set(MEASURED_EVENTS));
  });

  it.each(examples)('$label is never dead-lettered and never throws', ({ event, payload }) => {
    for (const context of [{}, { incidentLabel: 'bug', deploymentWorkflowPattern: /.*/ }]) {
      const outcome = run(event, payload, context);
      expect(outcome.kind, outcome.kind === 'ok' ? '' : outcome.reason).not.toBe('dlq');
    }
  });

  it.each(examplesOf('push'))('$label becomes a push with its commits, or is ignored when it deletes a ref', ({ payload }) => {
    const outcome = run('push', payload);
    if (payload.deleted) {
      expect(outcome).toEqual({ kind: 'ignored', reason: expect.stringMatching(/deleted/) });
      return;
    }
    const push = only(outcome, 'push');
    expect(push.repo).toBe(payload.repository.full_name);
    expect(push.after).toBe(payload.after);
    const commits = eventsOf(outcome).filter((event) => event.type === 'commit');
    expect(commits.map((event) => event.type === 'commit' && event.data.sha)).toEqual(push.commits);
  });

  it.each(examplesOf('pull_request'))('$label becomes the pull request it describes', ({ payload }) => {
    const pr = only(run('pull_request', payload), 'pull_request');
    expect(pr).toMatchObject({ number: payload.pull_request.number, repo: payload.repository.full_name, opened_at: new Date(payload.pull_request.created_at).toISOString() });
  });

  it.each(examplesOf('pull_request_review'))('$label becomes a review and the pull request it is on', ({ payload }) => {
    const outcome = run('pull_request_review', payload);
    expect(only(outcome, 'review')).toMatchObject({ id: String(payload.review.id), pr_number: payload.pull_request.number });
    expect(only(outcome, 'pull_request').number).toBe(payload.pull_request.number);
  });

  it.each(examplesOf('deployment'))('$label becomes a pending deployment', ({ payload }) => {
    const deployment = only(run('deployment', payload), 'deployment');
    expect(deployment).toMatchObject({ id: `github:${payload.repository.full_name}:${payload.deployment.id}`, status: 'pending', source_system: 'github_deployments' });
  });

  it.each(examplesOf('deployment_status'))('$label becomes a deployment in the state reported', ({ payload }) => {
    const deployment = only(run('deployment_status', payload), 'deployment');
    expect(deployment).toMatchObject({ id: `github:${payload.repository.full_name}:${payload.deployment.id}`, status: payload.deployment_status.state });
  });

  it.each(examplesOf('workflow_run'))('$label is a deployment only when completed and its workflow matches the pattern', ({ payload }) => {
    expect(run('workflow_run', payload)).toMatchObject({ kind: 'ignored' });
    const outcome = run('workflow_run', payload, { deploymentWorkflowPattern: /.*/ });
    if (payload.action !== 'completed') {
      expect(outcome).toEqual({ kind: 'ignored', reason: expect.stringMatching(/only completed runs/) });
      return;
    }
    expect(only(outcome, 'deployment')).toMatchObject({ id: `actions:${payload.repository.full_name}:run/${payload.workflow_run.id}`, source_system: 'github_actions' });
  });

  it.each(examplesOf('issues'))('$label is ignored unless the issue carries the incident label', ({ payload }) => {
    expect(run('issues', payload)).toEqual({ kind: 'ignored', reason: expect.stringMatching(/not labelled "incident"/) });
  });

  it.each(examplesOf('issues'))('$label becomes an incident when "bug" is the incident label', ({ payload }) => {
    const outcome = run('issues', payload, { incidentLabel: 'bug' });
    const labelled = (payload.issue.labels ?? []).some((label: { name: string }) => label.name === 'bug');
    if (!labelled) expect(outcome).toEqual({ kind: 'ignored', reason: expect.stringMatching(/not labelled/) });
    else if (payload.issue.pull_request) expect(outcome).toEqual({ kind: 'ignored', reason: expect.stringMatching(/pull request/) });
    else if (payload.action === 'deleted') expect(outcome).toEqual({ kind: 'ignored', reason: expect.stringMatching(/deleted/) });
    else expect(only(outcome, 'incident')).toMatchObject({ id: `github:${payload.repository.full_name}#${payload.issue.number}`, source: 'github' });
  });

  it('turns some example issues into incidents', () => {
    const incidents = examplesOf('issues').filter(({ payload }) => run('issues', payload, { incidentLabel: 'BUG' }).kind === 'ok');
    expect(incidents.length).toBeGreaterThan(5);
  });

  it.each(examplesOf('release', 'check_run'))('$label is archived but not turned into events', ({ event, payload }) => {
    expect(run(event, payload)).toEqual({ kind: 'ignored', reason: `${event} events are archived for replay; no canonical entity yet` });
  });

  it.each(examplesOf('ping'))('$label is acknowledged and ignored', ({ payload }) => {
    expect(run('ping', payload)).toMatchObject({ kind: 'ignored' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('push', () => {
  const commit = (id: string, message: string, extra: Record<string, unknown> = {}) => ({
    id, message, timestamp: '2024-03-01T10:00:00Z', author: { name: 'Ada', email: 'ada@example.com', username: 'ada' }, ...extra,
  });
  const push = (extra: Record<string, unknown> = {}) => ({
    ref: 'refs/heads/main', before: SHA_A, after: SHA_C, repository: { full_name: 'acme/api', name: 'api', pushed_at: 1709287500 },
    pusher: { name: 'ada', email: 'ada@example.com' }, sender: { login: 'ada', type: 'User' },
    commits: [commit(SHA_B, 'first'), commit(SHA_C, 'second')], head_commit: commit(SHA_C, 'second'), ...extra,
  });

  it('emits one push and one commit per pushed commit, oldest first', () => {
    const outcome = run('push', push());
    expect(eventsOf(outcome).map((event) => event.type)).toEqual(['push', 'commit', 'commit']);
    expect(only(outcome, 'push')).toMatchObject({ repo: 'acme/api', ref: 'refs/heads/main', before: SHA_A, after: SHA_C, commits: [SHA_B, SHA_C], pushed_at: '2024-03-01T10:05:00.000Z' });
  });

  it('takes commit author and time from the commit', () => {
    const commits = eventsOf(run('push', push())).filter((event) => event.type === 'commit');
    expect(commits[0]?.data).toMatchObject({
      sha: SHA_B, repo: 'acme/api', message: 'first', authored_at: '2024-03-01T10:00:00.000Z', committed_at: '2024-03-01T10:00:00.000Z',
      author: { login: 'ada', name: 'Ada', email: 'ada@example.com', bot: false }, reverts_sha: null,
    });
  });

  it('keeps an all-zeros before for a branch creation', () => {
    expect(only(run('push', push({ before: ZEROS })), 'push').before).toBe(ZEROS);
  });

  it('includes the head commit when it is not among the commits', () => {
    const outcome = run('push', push({ commits: [], head_commit: commit(SHA_B, 'tagged') }));
    expect(only(outcome, 'push').commits).toEqual([SHA_B]);
    expect(only(outcome, 'commit').sha).toBe(SHA_B);
  });

  it('accepts a push with head_commit but no after and no repository', () => {
    const outcome = run('push', { ref: 'refs/heads/main', before: SHA_A, head_commit: commit(SHA_B, 'hand-made') });
    expect(only(outcome, 'push')).toMatchObject({ repo: 'unknown', after: SHA_B, commits: [SHA_B], pushed_at: RECEIVED_AT });
    expect(only(outcome, 'commit')).toMatchObject({ repo: 'unknown', sha: SHA_B });
  });

  it('detects a revert from "This reverts commit <sha>"', () => {
    const message = `Revert "Add cache"\n\nThis reverts commit ${SHA_A.toUpperCase()}.`;
    const outcome = run('push', push({ commits: [commit(SHA_B, message)], head_commit: commit(SHA_B, message) }));
    expect(only(outcome, 'commit').reverts_sha).toBe(SHA_A);
  });

  it('flags commits by bots', () => {
    const bot = commit(SHA_B, 'Bump deps', { author: { name: 'dependabot[bot]', email: 'x@users.noreply.github.com', username: 'dependabot[bot]' } });
    expect(only(run('push', push({ commits: [bot], head_commit: bot })), 'commit').author.bot).toBe(true);
  });

  it('ignores a push that deletes a branch', () => {
    expect(run('push', push({ deleted: true, after: ZEROS, commits: [], head_commit: null }))).toEqual({ kind: 'ignored', reason: expect.stringMatching(/deleted/) });
  });

  // Issue 14 changed this: senders emulating GitHub omit ref; the push is on the default branch, and the assumption is reported.
  it('takes a push without ref to be on the default branch of the repository, and says so', () => {
    const outcome = run('push', push({ ref: undefined, repository: { full_name: 'acme/api', default_branch: 'trunk' } }));
    expect(outcome).toMatchObject({ kind: 'ok', assumptions: ['push without ref: taken to be on the default branch'] });
    expect(outcome.kind === 'ok' && outcome.events.find((e) => e.type === 'push')?.data).toMatchObject({ ref: 'refs/heads/trunk' });
  });

  it('takes a push without ref nor default branch to be on main, and says both', () => {
    const outcome = run('push', push({ ref: undefined, repository: { full_name: 'acme/api' } }));
    expect(outcome.kind === 'ok' && outcome.events.find((e) => e.type === 'push')?.data).toMatchObject({ ref: 'refs/heads/main' });
    expect(outcome.kind === 'ok' && outcome.assumptions).toEqual([
      'push without ref nor repository.default_branch: default branch taken to be main', 'push without ref: taken to be on the default branch',
    ]);
  });

  it('dead-letters a push whose after is not a sha, naming the field', () => {
    expect(run('push', push({ after: 'not-a-sha' }))).toEqual({ kind: 'dlq', reason: expect.stringMatching(/data\.after: expected a git sha/) });
  });
});

describe('envelope', () => {
  const payload = { ref: 'refs/heads/main', before: SHA_A, after: SHA_B, repository: { full_name: 'acme/api' }, commits: [{ id: SHA_B, message: 'x', timestamp: '2024-03-01T10:00:00Z' }] };

  it('gives a redelivery of the same delivery identical ids', () => {
    const ids = (outcome: NormaliseOutcome) => eventsOf(outcome).map((event) => event.id);
    expect(ids(run('push', payload, {}, 'd-7'))).toEqual(ids(run('push', payload, {}, 'd-7')));
  });

  it('builds ids from source, delivery, type and natural key', () => {
    expect(eventsOf(run('push', payload, {}, 'd-7')).map((event) => event.id)).toEqual([
      `github:d-7:push:acme/api:refs/heads/main:${SHA_B}`,
      `github:d-7:commit:${SHA_B}`,
    ]);
  });

  it('records received time, schema version and the raw delivery reference', () => {
    const [event] = eventsOf(run('push', payload, {}, 'd-7'));
    expect(event).toMatchObject({ source: 'github', received_at: RECEIVED_AT, schema_version: 1, raw: { delivery_id: 'd-7', event: 'push' } });
  });
});

describe('pull_request', () => {
  const pullRequest = (extra: Record<string, unknown> = {}) => ({
    action: 'closed', number: 7, repository: { full_name: 'acme/api' },
    pull_request: {
      number: 7, title: 'Add cache', state: 'closed', user: { login: 'ada', type: 'User' }, labels: [{ name: 'hotfix' }, { name: 'api' }],
      created_at: '2024-03-01T09:00:00Z', updated_at: '2024-03-01T11:00:00Z', closed_at: '2024-03-01T11:00:00Z', merged_at: '2024-03-01T11:00:00Z',
      head: { sha: SHA_A }, base: { ref: 'main' }, merge_commit_sha: SHA_B, ...extra,
    },
  });

  it('describes the pull request; what a webhook cannot tell stays unknown', () => {
    expect(only(run('pull_request', pullRequest()), 'pull_request')).toEqual({
      number: 7, repo: 'acme/api', title: 'Add cache', author: { login: 'ada', name: null, email: null, bot: false }, labels: ['hotfix', 'api'],
      state: 'merged', base_ref: 'main', head_sha: SHA_A, merge_commit_sha: SHA_B, opened_at: '2024-03-01T09:00:00.000Z',
      first_commit_at: null, first_review_at: null, approved_at: null, merged_at: '2024-03-01T11:00:00.000Z', closed_at: '2024-03-01T11:00:00.000Z',
      commit_shas: [], updated_at: '2024-03-01T11:00:00.000Z',
    });
  });

  it('is closed, not merged, when closed without merge', () => {
    expect(only(run('pull_request', pullRequest({ merged_at: null })), 'pull_request').state).toBe('closed');
  });

  it('flags an author of type Bot', () => {
    expect(only(run('pull_request', pullRequest({ user: { login: 'paved-app', type: 'Bot' } })), 'pull_request').author.bot).toBe(true);
  });

  it('flags an author whose login ends with [bot]', () => {
    expect(only(run('pull_request', pullRequest({ user: { login: 'renovate[bot]', type: 'User' } })), 'pull_request').author.bot).toBe(true);
  });

  it('dead-letters a pull request without number', () => {
    const payload = pullRequest({ number: undefined });
    delete (payload as Record<string, unknown>).number;
    expect(run('pull_request', payload)).toEqual({ kind: 'dlq', reason: 'pull_request without number' });
  });
});

describe('pull_request_review', () => {
  const reviewPayload = (state: string) => ({
    action: 'submitted', repository: { full_name: 'acme/api' },
    review: { id: 99, state, user: { login: 'bob', type: 'User' }, submitted_at: '2024-03-01T10:30:00Z' },
    pull_request: { number: 7, title: 'Add cache', state: 'open', user: { login: 'ada' }, created_at: '2024-03-01T09:00:00Z', updated_at: '2024-03-01T10:30:00Z' },
  });

  it.each([
    ['APPROVED', 'approved'], ['CHANGES_REQUESTED', 'changes_requested'], ['COMMENTED', 'commented'], ['DISMISSED', 'dismissed'],
  ])('maps state %s to %s', (sent, expected) => {
    expect(only(run('pull_request_review', reviewPayload(sent)), 'review')).toEqual({
      id: '99', repo: 'acme/api', pr_number: 7, reviewer: { login: 'bob', name: null, email: null, bot: false }, state: expected, submitted_at: '2024-03-01T10:30:00.000Z',
    });
  });

  it('also emits the pull request carried in the payload', () => {
    expect(only(run('pull_request_review', reviewPayload('approved')), 'pull_request')).toMatchObject({ number: 7, state: 'open' });
  });

  it('dead-letters an unknown review state', () => {
    expect(run('pull_request_review', reviewPayload('LOVED'))).toEqual({ kind: 'dlq', reason: expect.stringMatching(/review\.state "loved"/) });
  });
});

describe('deployment', () => {
  const deploymentPayload = (extra: Record<string, unknown> = {}) => ({
    action: 'created', repository: { full_name: 'acme/api' },
    deployment: { id: 42, sha: SHA_A, ref: 'main', environment: 'staging', created_at: '2024-03-01T10:00:00Z', creator: { login: 'ada', type: 'User' }, payload: {}, ...extra },
  });

  it('becomes a pending deployment started when it was created', () => {
    expect(only(run('deployment', deploymentPayload()), 'deployment')).toEqual({
      id: 'github:acme/api:42', repo: 'acme/api', service: null, path: null, environment: 'staging', sha: SHA_A, ref: 'main', status: 'pending',
      started_at: '2024-03-01T10:00:00.000Z', finished_at: null, status_at: '2024-03-01T10:00:00.000Z',
      creator: { login: 'ada', name: null, email: null, bot: false }, workflow_name: null, source_system: 'github_deployments', url: null,
    });
  });

  it('takes service and path from the deployment payload', () => {
    expect(only(run('deployment', deploymentPayload({ payload: { service: 'billing', path: 'services/billing' } })), 'deployment')).toMatchObject({ service: 'billing', path: 'services/billing' });
  });

  it('reads a deployment payload sent as JSON text', () => {
    expect(only(run('deployment', deploymentPayload({ payload: '{"service":"billing"}' })), 'deployment').service).toBe('billing');
  });

  it('falls back to the default environment', () => {
    expect(only(run('deployment', deploymentPayload({ environment: undefined }), { defaultEnvironment: 'prod' }), 'deployment').environment).toBe('prod');
  });
});

describe('deployment_status', () => {
  const statusPayload = (state: string, extra: Record<string, unknown> = {}) => ({
    action: 'created', repository: { full_name: 'acme/api' },
    deployment: { id: 42, sha: SHA_A, environment: 'production', created_at: '2024-03-01T10:00:00Z' },
    deployment_status: { id: 7, state, created_at: '2024-03-01T10:04:00Z', updated_at: '2024-03-01T10:05:00Z', target_url: 'https://ci.example.com/1', ...extra },
  });

  it.each(['success', 'failure', 'error', 'inactive'])('a %s status finishes the deployment at the status time', (state) => {
    expect(only(run('deployment_status', statusPayload(state)), 'deployment')).toMatchObject({
      id: 'github:acme/api:42', status: state, started_at: '2024-03-01T10:00:00.000Z', status_at: '2024-03-01T10:05:00.000Z', finished_at: '2024-03-01T10:05:00.000Z', url: 'https://ci.example.com/1',
    });
  });

  it.each(['in_progress', 'queued', 'pending'])('a %s status leaves the deployment unfinished', (state) => {
    expect(only(run('deployment_status', statusPayload(state)), 'deployment')).toMatchObject({ status: state, finished_at: null });
  });

  it('accepts a custom CD script sending only deployment.sha and deployment_status.{id,state,updated_at}', () => {
    const payload = { deployment: { sha: SHA_A }, deployment_status: { id: 1, state: 'success', updated_at: '2024-03-01T10:05:00Z' } };
    expect(only(run('deployment_status', payload, { defaultEnvironment: 'prod' }), 'deployment')).toMatchObject({
      id: `github:unknown:sha:${SHA_A}:prod`, repo: 'unknown', environment: 'prod', sha: SHA_A, status: 'success',
      started_at: '2024-03-01T10:05:00.000Z', status_at: '2024-03-01T10:05:00.000Z', finished_at: '2024-03-01T10:05:00.000Z',
    });
  });

  it('derives the same id for every status of such a deployment', () => {
    const payload = (state: string) => ({ deployment: { sha: SHA_A }, deployment_status: { id: state, state, updated_at: '2024-03-01T10:05:00Z' } });
    expect(only(run('deployment_status', payload('in_progress')), 'deployment').id).toBe(only(run('deployment_status', payload('success')), 'deployment').id);
  });

  it.each([
    ['without zone', '2024-03-01T10:05:00'],
    ['with a space separator', '2024-03-01 10:05:00'],
    ['in epoch seconds', 1709287500],
    ['in epoch milliseconds', 1709287500000],
    ['with an offset', '2024-03-01T11:05:00+01:00'],
  ])('reads a status time %s', (_, updatedAt) => {
    expect(only(run('deployment_status', statusPayload('success', { updated_at: updatedAt })), 'deployment').status_at).toBe('2024-03-01T10:05:00.000Z');
  });

  it('falls back to the received time when no status time is given', () => {
    const payload = { deployment: { sha: SHA_A }, deployment_status: { state: 'success' } };
    expect(only(run('deployment_status', payload), 'deployment').status_at).toBe(RECEIVED_AT);
  });

  it('dead-letters a status without state', () => {
    expect(run('deployment_status', statusPayload(''))).toEqual({ kind: 'dlq', reason: 'deployment_status without deployment_status.state' });
  });

  it('dead-letters a status with neither deployment id nor sha', () => {
    expect(run('deployment_status', { deployment_status: { state: 'success' } })).toEqual({ kind: 'dlq', reason: 'deployment_status without deployment.id or deployment.sha' });
  });
});

describe('workflow_run', () => {
  const runPayload = (name: string, conclusion: string | null, action = 'completed') => ({
    action, repository: { full_name: 'acme/api' }, workflow: { name },
    workflow_run: {
      id: 555, name, head_sha: SHA_A, head_branch: 'main', status: 'completed', conclusion, html_url: 'https://github.com/acme/api/actions/runs/555',
      created_at: '2024-03-01T10:00:00Z', run_started_at: '2024-03-01T10:01:00Z', updated_at: '2024-03-01T10:09:00Z', triggering_actor: { login: 'ada', type: 'User' },
    },
  });
  const deployPattern = { deploymentWorkflowPattern: /^deploy/i };

  it('is a deployment when completed and the workflow name matches', () => {
    expect(only(run('workflow_run', runPayload('Deploy', 'success'), deployPattern), 'deployment')).toEqual({
      id: 'actions:acme/api:run/555', repo: 'acme/api', service: null, path: null, environment: 'production', sha: SHA_A, ref: 'main', status: 'success',
      started_at: '2024-03-01T10:01:00.000Z', finished_at: '2024-03-01T10:09:00.000Z', status_at: '2024-03-01T10:09:00.000Z',
      creator: { login: 'ada', name: null, email: null, bot: false }, workflow_name: 'Deploy', source_system: 'github_actions', url: 'https://github.com/acme/api/actions/runs/555',
    });
  });

  it.each([['failure', 'failure'], ['timed_out', 'failure'], ['cancelled', 'cancelled'], ['skipped', 'cancelled']])('conclusion %s is status %s', (conclusion, status) => {
    expect(only(run('workflow_run', runPayload('Deploy', conclusion), deployPattern), 'deployment').status).toBe(status);
  });

  it.each([['Deploy to staging', 'staging'], ['deploy-prod', 'production'], ['Deploy pre-prod', 'preprod'], ['Deploy', 'production']])('"%s" deploys to %s', (name, environment) => {
    expect(only(run('workflow_run', runPayload(name, 'success'), deployPattern), 'deployment').environment).toBe(environment);
  });

  it('ignores a workflow whose name does not match', () => {
    expect(run('workflow_run', runPayload('CI', 'success'), deployPattern)).toEqual({ kind: 'ignored', reason: 'workflow "CI" does not match deploymentWorkflowPattern' });
  });

  it('ignores runs that are not completed', () => {
    expect(run('workflow_run', runPayload('Deploy', null, 'in_progress'), deployPattern)).toMatchObject({ kind: 'ignored' });
  });

  it('ignores workflow runs when no deployment workflow pattern is configured', () => {
    expect(run('workflow_run', runPayload('Deploy', 'success'))).toEqual({ kind: 'ignored', reason: expect.stringMatching(/deploymentWorkflowPattern/) });
  });

  it('answers the same every time with a global pattern', () => {
    const context = { deploymentWorkflowPattern: /deploy/gi };
    expect([1, 2, 3].map(() => run('workflow_run', runPayload('Deploy', 'success'), context).kind)).toEqual(['ok', 'ok', 'ok']);
  });
});

describe('issues', () => {
  const issuePayload = (extra: Record<string, unknown> = {}, repository: Record<string, unknown> = { full_name: 'acme/api' }) => ({
    action: 'opened', repository,
    issue: {
      number: 12, title: 'Checkout down', state: 'open', labels: [{ name: 'Incident' }, { name: 'sev1' }, { name: 'service:payments' }],
      created_at: '2024-03-01T10:00:00Z', updated_at: '2024-03-01T10:10:00Z', closed_at: null, html_url: 'https://github.com/acme/api/issues/12', body: '', ...extra,
    },
  });

  it('becomes an incident when labelled with the incident label, in any case', () => {
    expect(only(run('issues', issuePayload()), 'incident')).toEqual({
      id: 'github:acme/api#12', source: 'github', service: 'payments', repo: 'acme/api', severity: 'critical', title: 'Checkout down', status: 'open',
      opened_at: '2024-03-01T10:00:00.000Z', acknowledged_at: null, resolved_at: null, linked_deployment_ids: [], linked_shas: [],
      url: 'https://github.com/acme/api/issues/12', updated_at: '2024-03-01T10:10:00.000Z',
    });
  });

  it('is resolved when the issue is closed', () => {
    expect(only(run('issues', issuePayload({ state: 'closed', closed_at: '2024-03-01T11:00:00Z' })), 'incident')).toMatchObject({ status: 'resolved', resolved_at: '2024-03-01T11:00:00.000Z' });
  });

  it('without a state, closed_at decides: closed (resolved at closed_at) or open, and the assumption is reported', () => {
    const closed = run('issues', issuePayload({ state: undefined, closed_at: '2024-03-01 11:00:00' }));
    expect(only(closed, 'incident')).toMatchObject({ status: 'resolved', resolved_at: '2024-03-01T11:00:00.000Z' });
    expect(closed).toMatchObject({ assumptions: ['issue without state but with closed_at: taken as closed (resolved at closed_at)'] });
    const open = run('issues', issuePayload({ state: undefined }));
    expect(only(open, 'incident')).toMatchObject({ status: 'open', resolved_at: null });
    expect(open).toMatchObject({ assumptions: ['issue without state or closed_at: taken as open'] });
    // A state that is given wins over closed_at, and nothing is assumed.
    const reopened = run('issues', issuePayload({ state: 'open', closed_at: '2024-03-01T11:00:00Z' }));
    expect(only(reopened, 'incident')).toMatchObject({ status: 'open' });
    expect(reopened).not.toHaveProperty('assumptions');
  });

  it('reads labels written as plain strings', () => {
    expect(only(run('issues', issuePayload({ labels: ['incident', 'p2'] })), 'incident').severity).toBe('high');
  });

  it.each([['sev1', 'critical'], ['p1', 'critical'], ['sev2', 'high'], ['P2', 'high'], ['sev3', 'medium'], ['p3', 'medium'], ['sev4', 'low'], ['p4', 'low'], ['severity:high', 'high'], ['triage', 'unknown']])(
    'label %s means severity %s', (label, severity) => {
      expect(only(run('issues', issuePayload({ labels: ['incident', label] })), 'incident').severity).toBe(severity);
    },
  );

  it('has no service without a service: label', () => {
    expect(only(run('issues', issuePayload({ labels: ['incident'] })), 'incident').service).toBeNull();
  });

  it('links the root-cause commits and deployments written in the body', () => {
    const body = ['Checkout failed after the rollout.', `Root cause: ${SHA_A.slice(0, 7).toUpperCase()}`, '- **deployment:** github:acme/api:42, generic:argocd:7', `root cause: ${SHA_B}`].join('\r\n');
    expect(only(run('issues', issuePayload({ body })), 'incident')).toMatchObject({ linked_shas: [SHA_A.slice(0, 7), SHA_B], linked_deployment_ids: ['github:acme/api:42', 'generic:argocd:7'] });
  });

  it('does not read prose after "deployment:" as a deployment id', () => {
    expect(explicitLinks('Deployment: failed after the rollout').deploymentIds).toEqual([]);
  });

  it('takes the repository name when the repository has only a name', () => {
    expect(only(run('issues', issuePayload({}, { name: 'api' })), 'incident')).toMatchObject({ id: 'github:api#12', repo: 'api' });
  });

  it('ignores an issue without the incident label, saying so', () => {
    expect(run('issues', issuePayload({ labels: [{ name: 'bug' }] }))).toEqual({ kind: 'ignored', reason: 'issue is not labelled "incident": only incident issues are measured' });
  });

  it('dead-letters an incident issue without number', () => {
    expect(run('issues', issuePayload({ number: undefined }))).toEqual({ kind: 'dlq', reason: 'issues event without issue.number' });
  });
});

describe('anything else', () => {
  it('ignores events Paved does not measure', () => {
    expect(run('star', { action: 'created' })).toEqual({ kind: 'ignored', reason: 'GitHub "star" events are not measured' });
  });

  it('dead-letters a payload that is not an object', () => {
    expect(run('push', 'oops')).toEqual({ kind: 'dlq', reason: 'GitHub push payload is not a JSON object' });
  });

  it('dead-letters an unexpected exception instead of throwing it', () => {
    const payload = Object.defineProperty({}, 'ref', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect(run('push', payload)).toEqual({ kind: 'dlq', reason: 'GitHub push could not be normalised: boom' });
  });
});
