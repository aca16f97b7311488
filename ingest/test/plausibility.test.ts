/**
 * Plausibility rules (docs/security.md): a numeric id that no source produces, or a fact dated more
 * than a day after its delivery or before 2005, dead-letters the delivery with a reason naming the field.
 */
import { describe, expect, it } from 'vitest';
import { defaultNormaliseContext, type Delivery, type NormaliseOutcome } from '../src/delivery.js';
import { normalise } from '../src/normalise.js';

const RECEIVED_AT = '2026-03-01T12:00:00.000Z';
const SHA = 'a'.repeat(40);

function run(source: Delivery['source'], event: string, payload: unknown): NormaliseOutcome {
  return normalise({ source, event, deliveryId: 'd-1', receivedAt: RECEIVED_AT, payload }, defaultNormaliseContext);
}

const githubStatus = (deploymentId: unknown, at = '2026-03-01T10:05:00Z') => ({
  action: 'created', repository: { full_name: 'acme/api' },
  deployment: { id: deploymentId, sha: SHA, environment: 'production', created_at: '2026-03-01T10:00:00Z' },
  deployment_status: { id: 7, state: 'success', created_at: at, updated_at: at },
});

const generic = (extra: Record<string, unknown>) => ({ id: 'argo-1', service: 'api', environment: 'production', sha: 'abcdef1', status: 'success', ...extra });

describe('ids', () => {
  it.each([-1, 0, 1e300, 1.5, 2 ** 53])('a GitHub deployment id of %s is dead-lettered, naming the value', (id) => {
    const outcome = run('github', 'deployment_status', githubStatus(id));
    expect(outcome.kind).toBe('dlq');
    expect(outcome.kind === 'dlq' && outcome.reason).toContain(`${String(id)} is not a plausible id`);
  });

  it('a real GitHub deployment id is kept', () => {
    const outcome = run('github', 'deployment_status', githubStatus(1234567890123));
    expect(outcome.kind).toBe('ok');
    expect(outcome.kind === 'ok' && outcome.events[0]!.data).toMatchObject({ id: 'github:acme/api:1234567890123' });
  });

  it('a pull request number of 1e+300 is not a number Paved keeps', () => {
    const outcome = run('github', 'pull_request', {
      action: 'opened', number: 1e300, repository: { full_name: 'acme/api' },
      pull_request: { number: 1e300, title: 't', user: { login: 'a' }, state: 'open', created_at: '2026-03-01T10:00:00Z', updated_at: '2026-03-01T10:00:00Z', head: { sha: SHA }, base: { ref: 'main' } },
    });
    expect(outcome.kind).toBe('dlq');
  });
});

describe('timestamps', () => {
  it('a deployment finishing in 2126 is dead-lettered with the field and the fix', () => {
    const outcome = run('generic', 'deployment', generic({ finished_at: '2126-03-01T10:00:00Z' }));
    expect(outcome).toMatchObject({ kind: 'dlq' });
    expect(outcome.kind === 'dlq' && outcome.reason).toMatch(/implausible timestamp: deployment\.\w+_at 2126-03-01T10:00:00\.000Z is more than a day after the delivery was received/);
  });

  it('epoch milliseconds sent as seconds (year 5138) are dead-lettered', () => {
    const outcome = run('generic', 'deployment', generic({ finished_at: 99_999_999_999 }));
    expect(outcome.kind === 'dlq' && outcome.reason).toMatch(/5138/);
  });

  it('a GitHub deployment status in 2126 is dead-lettered', () => {
    expect(run('github', 'deployment_status', githubStatus(42, '2126-01-01T00:00:00Z')).kind).toBe('dlq');
  });

  it('up to a day ahead of the delivery is clock skew and kept', () => {
    expect(run('generic', 'deployment', generic({ finished_at: '2026-03-02T11:59:00Z' })).kind).toBe('ok');
    expect(run('generic', 'deployment', generic({ finished_at: '2026-03-02T12:01:00Z' })).kind).toBe('dlq');
  });

  it('an incident opened before 2005 is dead-lettered', () => {
    const outcome = run('generic', 'incident', { id: 'inc-1', title: 't', opened_at: '2004-12-31T23:59:59Z', service: 'api' });
    expect(outcome.kind === 'dlq' && outcome.reason).toMatch(/incident\.opened_at 2004-12-31T23:59:59\.000Z is before 2005-01-01/);
  });

  it('epoch zero (a sender that sent 0 for "unknown") is dead-lettered', () => {
    expect(run('generic', 'incident', { id: 'inc-2', title: 't', opened_at: 0 }).kind).toBe('dlq');
  });

  const push = (timestamp: string) => ({
    ref: 'refs/heads/main', before: '0'.repeat(40), after: SHA, repository: { full_name: 'acme/api', name: 'api' }, pusher: { name: 'a' },
    commits: [{ id: SHA, message: 'imported', timestamp, author: { name: 'a', email: 'a@x', username: 'a' } }],
  });

  it('a commit authored before 2005 is kept: imported history (CVS, Subversion) predates git', () => {
    expect(run('github', 'push', push('1999-06-01T00:00:00Z')).kind).toBe('ok');
  });

  it('a commit authored more than a day after its push arrived is dead-lettered', () => {
    const outcome = run('github', 'push', push('2126-06-01T00:00:00Z'));
    expect(outcome.kind === 'dlq' && outcome.reason).toMatch(/commit\.authored_at 2126-06-01/);
  });
});
