import { describe, expect, it } from 'vitest';
import { defaultNormaliseContext, type NormaliseOutcome } from '../src/delivery.js';
import { ASSUMED } from '../src/github/normalise.js';
import { ASSUMED_UTC, normalise } from '../src/normalise.js';

// What Paved assumes about fields a GitHub-compatible sender left out, one assumption each (issue 14).
const run = (event: string, payload: unknown): NormaliseOutcome =>
  normalise({ source: 'github', event, deliveryId: 'd1', receivedAt: '2026-03-02T12:00:00.000Z', payload }, defaultNormaliseContext);
const assumed = (outcome: NormaliseOutcome) => (outcome.kind === 'ok' ? outcome.assumptions ?? [] : [`not ok: ${outcome.reason}`]);

const SHA = 'a'.repeat(40);
const repository = { full_name: 'acme/api', default_branch: 'main' };
const commit = { id: SHA, message: 'm', timestamp: '2026-03-02T10:00:00Z', author: { name: 'a', email: 'a@x', username: 'a' } };
const push = { ref: 'refs/heads/main', before: '0'.repeat(40), after: SHA, repository, commits: [commit] };
const status = (deployment: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  deployment: { id: 42, sha: SHA, environment: 'production', created_at: '2026-03-02T09:00:00Z', ...deployment },
  deployment_status: { id: 1, state: 'success', updated_at: '2026-03-02T10:00:00Z', ...extra }, repository,
});
const issue = (extra: Record<string, unknown>) => ({ action: 'opened', repository, issue: { number: 1, state: 'open', title: 't', labels: ['incident'], created_at: '2026-03-02T10:00:00Z', ...extra } });

describe('payload assumptions', () => {
  it('a complete payload assumes nothing', () => {
    expect(assumed(run('push', push))).toEqual([]);
    expect(assumed(run('deployment_status', status({})))).toEqual([]);
    expect(assumed(run('issues', issue({})))).toEqual([]);
  });

  it.each([
    ['push', { ...push, ref: undefined }, ASSUMED.pushWithoutRef],
    ['push', { ...push, before: undefined }, ASSUMED.pushWithoutBefore],
    ['push', { ...push, commits: [{ ...commit, timestamp: undefined }] }, ASSUMED.commitWithoutTimestamp],
    ['push', { ...push, commits: [{ ...commit, timestamp: '2026-03-02 10:00:00' }] }, ASSUMED_UTC],
    ['deployment_status', status({ id: undefined }), ASSUMED.deploymentWithoutId],
    ['deployment_status', status({ environment: undefined }), ASSUMED.deploymentWithoutEnvironment],
    ['deployment_status', status({}, { updated_at: undefined }), ASSUMED.deploymentWithoutTime],
    ['issues', issue({ state: undefined, closed_at: '2026-03-02T11:00:00Z' }), ASSUMED.issueClosedWithoutState],
    ['issues', issue({ state: undefined }), ASSUMED.issueOpenWithoutState],
    ['issues', issue({ created_at: undefined }), ASSUMED.issueWithoutCreatedAt],
  ])('%s: %j is accepted and says "%s"', (event, payload, assumption) => {
    expect(assumed(run(event, payload))).toEqual([assumption]);
  });

  it('an environment named on the status alone is not an assumption', () => {
    expect(assumed(run('deployment_status', status({ environment: undefined }, { environment: 'production' })))).toEqual([]);
  });
});
