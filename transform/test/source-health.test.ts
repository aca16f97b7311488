import { readFileSync } from 'node:fs';
import { completedPushDelivery, type Delivery, defaultNormaliseContext, GITLAB_ASSUMED, receiveDelivery } from '@paved/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argocdScope, documentedArgocdBody, renderArgocdTemplate, syncedApplication } from '../../ingest/test/fixtures/gitops.js';
import { GITLAB_COMPLETED_PREFIX, GITLAB_TRUNCATED_PREFIX, sourceHealth } from '../src/metrics/source-health.js';
import { openTestWarehouse } from './harness.js';

/*
 * Data health per source: GitLab, Jira, PagerDuty and GitHub by the archive's source; the generic
 * route split into Argo CD (documented template and Application body), Flux and plain generic; and
 * GitLab's pushes of more than 20 commits, completed or not.
 */

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../ingest/test/fixtures/${path}`, import.meta.url), 'utf8'));

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
let counter = 0;

async function deliver(source: Delivery['source'], event: string, payload: unknown, receivedAt = '2026-03-02T10:00:00.000Z'): Promise<Delivery> {
  const delivery: Delivery = { source, event, deliveryId: `health-${++counter}`, receivedAt, payload };
  await receiveDelivery(delivery, JSON.stringify(payload), env.bus, defaultNormaliseContext);
  return delivery;
}

beforeAll(async () => {
  env = await openTestWarehouse();
  // GitLab's documented push lists 2 of its 4 commits: truncated. Twice; one of them is completed afterwards.
  const truncated = await deliver('gitlab', 'Push Hook', fixture('gitlab/01-push-hook.json'), '2026-03-02T09:00:00.000Z');
  await deliver('gitlab', 'Push Hook', { ...(fixture('gitlab/01-push-hook.json') as object), after: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327' }, '2026-03-02T11:00:00.000Z');
  const compare = { commits: ['aa', 'bb', 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'].map((id, i) => ({ id: id.length === 2 ? id.repeat(20) : id, title: `c${i}`, authored_date: '2011-12-12T14:27:31+02:00' })) };
  const completed = completedPushDelivery(truncated, compare as never, '2026-03-02T09:00:05.000Z');
  await receiveDelivery(completed, JSON.stringify(completed.payload), env.bus, defaultNormaliseContext);
  await deliver('gitlab', 'Pipeline Hook', fixture('gitlab/10-pipeline-hook.json'));
  // Argo CD: the documented template's body, and the Application itself.
  const body = renderArgocdTemplate(documentedArgocdBody('template.paved-sync-succeeded'), argocdScope(syncedApplication()));
  // (The fixture's syncs happen on 2026-11-20/21: received after that, as they would be.)
  await deliver('generic', 'deployment', JSON.parse(body), '2026-11-22T12:00:00.000Z');
  await deliver('generic', 'deployment', { app: syncedApplication({ startedAt: '2026-11-21T10:02:00Z', finishedAt: '2026-11-21T10:05:00Z' }) }, '2026-11-21T10:05:01.000Z');
  await deliver('generic', 'deployment', fixture('flux/event-validation-failed.json'));
  await deliver('generic', 'deployment', { id: 'jenkins-1', service: 'cart', environment: 'production', sha: 'a'.repeat(40), status: 'success', started_at: '2026-03-02T09:00:00Z' });
  await deliver('generic', 'deployment', { nothing: 'useful' });
  await deliver('jira', 'jira:issue_updated', fixture('jira/issue-updated-documented.json'));
  await env.bus.drained();
});

afterAll(async () => {
  await env?.close();
});

describe('Data health per source', () => {
  it('keeps its phrases in step with the GitLab normaliser', () => {
    expect(GITLAB_ASSUMED.pushTruncated.startsWith(GITLAB_TRUNCATED_PREFIX)).toBe(true);
    expect(GITLAB_ASSUMED.pushCompleted.startsWith(GITLAB_COMPLETED_PREFIX)).toBe(true);
  });

  it('splits the generic route into Argo CD, Flux and generic senders, with their counts', async () => {
    const { sources } = await sourceHealth(env.warehouse);
    const row = (origin: string) => sources.find((s) => s.origin === origin);
    expect(sources.map((s) => s.origin)).toEqual(['argocd', 'flux', 'generic', 'gitlab', 'jira']);
    expect(row('argocd')).toMatchObject({ deliveries: 2, ignored: 0, dead_lettered: 0 });
    expect(row('argocd')?.last_received).toMatch(/^2026-11-22 12:00:00/);
    expect(row('flux')).toMatchObject({ deliveries: 1, dead_lettered: 0 });
    expect(row('generic')).toMatchObject({ deliveries: 2, dead_lettered: 1 });
    expect(row('gitlab')).toMatchObject({ deliveries: 4, ignored: 1, dead_lettered: 0 });
    expect(row('jira')).toMatchObject({ deliveries: 1, ignored: 1 });
  });

  it('counts GitLab pushes that listed only their newest commits, and those the compare API did not complete', async () => {
    const { gitlabPushes } = await sourceHealth(env.warehouse);
    expect(gitlabPushes).toMatchObject({ truncated: 2, completed: 1, not_fetched: 1 });
    expect(gitlabPushes.last_truncated).toMatch(/^2026-03-02 11:00:00/);
    expect(gitlabPushes.example_delivery).toMatch(/^health-\d+$/);
  });
});
