import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultNormaliseContext, WebhookReceiver } from '@paved/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doraMetrics } from '../src/metrics/dora.js';
import { dataHealth } from '../src/metrics/explore.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { openTestWarehouse } from './harness.js';
import { sha } from './history.js';

/*
 * A GitHub-compatible sender (a forge or a script emulating GitHub's webhooks) that signs with the
 * legacy sha1 signature only, omits ref, state and time zones, and writes timestamps with a space:
 * every delivery is accepted through the HTTP receiver and counted in the warehouse (issue 14).
 */
const SECRET = 'forge-secret';
const REPO = 'forge/shop';
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
let server: Server;
let base: string;
const logged: Record<string, unknown>[] = [];
const answers: { status: number; body: Record<string, unknown> }[] = [];
let delivery = 0;

async function send(event: string, payload: unknown): Promise<void> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${base}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': `forge-${++delivery}`,
      'x-hub-signature': `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  answers.push({ status: response.status, body: (await response.json()) as Record<string, unknown> });
}

const repository = { full_name: REPO, name: 'shop' };
const commit = (name: string, at: string) => ({ id: sha(name), message: name, timestamp: at, author: { name: 'dev', email: 'dev@forge.test', username: 'dev' } });
const push = (before: string, commits: ReturnType<typeof commit>[]) => ({ before, after: commits.at(-1)!.id, repository, pusher: { name: 'dev' }, commits });
const deployed = (id: number, commitName: string, at: string, state = 'success') => ({
  deployment: { id, sha: sha(commitName), environment: 'production', created_at: at },
  deployment_status: { id: id * 10, state, created_at: at, updated_at: at },
  repository,
});
const incident = (number: number, openedAt: string, extra: Record<string, unknown>) => ({
  action: 'edited', repository, issue: { number, title: `incident ${number}`, labels: [{ name: 'incident' }], created_at: openedAt, updated_at: openedAt, ...extra },
});

beforeAll(async () => {
  env = await openTestWarehouse();
  const receiver = new WebhookReceiver({ bus: env.bus, secrets: { GITHUB_WEBHOOK_SECRET: SECRET }, context: defaultNormaliseContext, log: (entry) => logged.push(entry) });
  server = createServer((req, res) => void receiver.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await send('push', push('0'.repeat(40), [commit('f-c1', '2026-03-02 08:00:00')]));
  await send('deployment_status', deployed(9000081, 'f-c1', '2026-03-02 10:00:00'));
  await send('push', push(sha('f-c1'), [commit('f-c2', '2026-03-03 07:00:00'), commit('f-c3', '2026-03-03 08:00:00')]));
  await send('deployment_status', deployed(9000082, 'f-c3', '2026-03-03 10:00:00'));
  // Closed (closed_at, no state), naming the deployment by GitHub's numeric id.
  await send('issues', incident(5, '2026-03-05 10:00:00', { closed_at: '2026-03-05 12:00:00', body: 'deployment: 9000082' }));
  // Still open (neither state nor closed_at).
  await send('issues', incident(6, '2026-03-06 09:00:00', { body: '' }));
  // Authentic but not normalisable: dead-lettered, never silently dropped.
  await send('deployment_status', deployed(9000083, 'f-c3', '2026-03-04 10:00:00', 'exploded'));
  await env.bus.drained();
  await runTransform(env.warehouse, defaultMetricSettings);
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await env?.close();
});

describe('a GitHub-compatible sender with partial payloads (sha1 signatures, no ref, no state, no zones)', () => {
  it('every delivery is accepted (202); the one that cannot be normalised says why', () => {
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202, 202, 202]);
    expect(answers.map((a) => a.body.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'dlq']);
    expect(answers[0]!.body.assumed).toEqual(expect.arrayContaining(['push without ref: taken to be on the default branch', 'timestamps without a time zone: taken as UTC']));
  });

  it('deployments, lead time over its pushes, the closed incident and its failure link are all counted', async () => {
    const r = await doraMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-09', service: REPO });
    expect(r.deploymentFrequency).toMatchObject({ deployments: 2, perWeek: 2 });
    // d1: f-c1 08:00 → 10:00 = 2 h; d2: f-c2 07:00 and f-c3 08:00 → 10:00 = 3 h, 2 h → p50 2 h over 3 changes.
    expect(r.leadTime).toMatchObject({ changes: 3, p50Hours: 2, p90Hours: 2.8 });
    // Issue 5 names 9000082: d2 failed; resolved at closed_at 03-05 12:00 → 50 h after d2, restored in 2 h.
    expect(r.changeFailureRate).toMatchObject({ failedDeployments: 1, deployments: 2, rate: 0.5 });
    expect(r.recovery).toMatchObject({ failedDeployments: 1, recoveredDeployments: 1, failedDeploymentRecoveryP50Hours: 50, incidents: 1, timeToRestoreP50Hours: 2 });
  });

  it('the open incident stays open', async () => {
    const rows = await env.warehouse.query(`SELECT id, status FROM {{db}}.t_incidents ORDER BY id`, {}, (await import('zod')).z.object({ id: (await import('zod')).z.string(), status: (await import('zod')).z.string() }));
    expect(rows).toEqual([{ id: `github:${REPO}#5`, status: 'resolved' }, { id: `github:${REPO}#6`, status: 'open' }]);
  });

  it('Data health counts every assumption with an example delivery, and shows the dead letter', async () => {
    const health = await dataHealth(env.warehouse);
    const counted = Object.fromEntries(health.assumptions.map((a) => [`${a.event}: ${a.assumption}`, a.deliveries]));
    expect(counted).toEqual({
      'push: push without ref: taken to be on the default branch': 2,
      'push: push without ref nor repository.default_branch: default branch taken to be main': 2,
      'push: timestamps without a time zone: taken as UTC': 2,
      'deployment_status: timestamps without a time zone: taken as UTC': 2,
      'issues: issue without state but with closed_at: taken as closed (resolved at closed_at)': 1,
      'issues: issue without state or closed_at: taken as open': 1,
      'issues: timestamps without a time zone: taken as UTC': 2,
    });
    expect(health.assumptions.find((a) => a.assumption.startsWith('issue without state but'))).toMatchObject({ example_delivery: 'forge-5', example_payload: expect.stringContaining('closed_at') });
    expect(health.deadLetters).toEqual([expect.objectContaining({ step: 'normalise', reason: 'deployment_status.state "exploded" is not a GitHub deployment state', count: 1 })]);
  });

  it('each kind of assumption is logged once at warn, and the dead letter has its own line', () => {
    const assumptions = logged.filter((e) => e.assumption !== undefined);
    expect(assumptions.every((e) => e.level === 'warn')).toBe(true);
    expect(assumptions.map((e) => e.assumption)).toHaveLength(new Set(assumptions.map((e) => e.assumption)).size);
    expect(new Set(assumptions.map((e) => e.assumption)).size).toBe(5);
    expect(logged.filter((e) => String(e.msg).startsWith('delivery dead-lettered'))).toEqual([
      expect.objectContaining({ level: 'warn', delivery_id: 'forge-7', reason: 'deployment_status.state "exploded" is not a GitHub deployment state' }),
    ]);
  });
});
