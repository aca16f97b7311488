/**
 * The source-plugin contract (docs/sources/adding-a-source.md): a tiny extra source, registered in
 * the test exactly as the walk-through writes it, receives a webhook through the same receiver as
 * the built-in sources, with the core's authentication, idempotency and archive.
 */
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusUnavailableError } from '../src/bus/bus.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import { safeEqual } from '../src/http/auth.js';
import { normalise } from '../src/normalise.js';
import { actor, canonicalEvent, dlq, instant, validated } from '../src/payload.js';
import { defineSource, requireSecret, sources, WebhookRefusal } from '../src/sources/index.js';
import { RecordingBus, startReceiver, type ReceiverHarness } from './receiver-harness.js';

// ---- the walk-through's example source: ShipIt, a deploy tool that posts one JSON body per finished deployment ----

const ShipitDeployment = z.object({
  id: z.string().min(1),
  service: z.string().min(1),
  repo: z.string().min(1),
  environment: z.string().min(1),
  sha: z.string().regex(/^[0-9a-f]{7,40}$/i),
  result: z.enum(['succeeded', 'failed']),
  started_at: z.iso.datetime({ offset: true }),
  finished_at: z.iso.datetime({ offset: true }),
  by: z.string().min(1),
});

const shipitSource = defineSource({
  id: 'shipit',
  title: 'ShipIt',
  docs: 'docs/sources/shipit.md',
  config: z.object({ enabled: z.boolean().default(true) }).strict(),
  webhooks: [{
    path: '/webhooks/shipit',
    secrets: ['SHIPIT_WEBHOOK_TOKEN'],
    authenticate(request, secrets) {
      const token = requireSecret(secrets, 'SHIPIT_WEBHOOK_TOKEN');
      const given = request.header('x-shipit-token');
      if (!given || !safeEqual(given, token)) throw new WebhookRefusal(401, 'bad_token', 'missing or invalid X-ShipIt-Token: set it to SHIPIT_WEBHOOK_TOKEN', true);
      return { kind: 'token' };
    },
    delivery(request, body) {
      const payload = body.json() as { id?: unknown };
      return { source: 'shipit', event: 'deployment', deliveryId: request.header('x-shipit-delivery') ?? `shipit:${String(payload?.id)}`, payload };
    },
  }],
  normalise(delivery) {
    const parsed = ShipitDeployment.safeParse(delivery.payload);
    if (!parsed.success) return dlq(`ShipIt deployment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const d = parsed.data;
    const started = instant(d.started_at)!;
    const finished = instant(d.finished_at)!;
    return validated([canonicalEvent(delivery, 'deployment', d.id, finished, {
      id: `shipit:${d.id}`, repo: d.repo, service: d.service, environment: d.environment, sha: d.sha,
      status: d.result === 'succeeded' ? 'success' : 'failure', started_at: started, finished_at: finished, status_at: finished,
      creator: actor(d.by), workflow_name: null, source_system: 'shipit',
    })]);
  },
});

// ---- the test ----

const TOKEN = 'shipit-token';
const deployment = {
  id: 'd-42', service: 'payments', repo: 'acme/payments', environment: 'production', sha: 'a'.repeat(40), result: 'failed',
  started_at: '2026-03-02T10:00:00Z', finished_at: '2026-03-02T10:04:00Z', by: 'ada',
};
const bus = new RecordingBus();
let harness: ReceiverHarness;

beforeAll(async () => {
  harness = await startReceiver({ bus, secrets: { SHIPIT_WEBHOOK_TOKEN: TOKEN }, sources: sources.with(shipitSource) });
});
afterAll(() => harness.close());

const post = (body: unknown, headers: Record<string, string>) => fetch(`${harness.base}/webhooks/shipit`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('a source registered with one line', () => {
  it('receives its webhook: authenticated by its own header, archived raw, normalised to a canonical deployment', async () => {
    const response = await post(deployment, { 'x-shipit-token': TOKEN, 'x-shipit-delivery': 'delivery-1' });
    expect(response.status).toBe(202);
    const answer = await response.json();
    expect(answer, JSON.stringify(answer)).toMatchObject({ accepted: true, delivery_id: 'delivery-1', outcome: 'ok', events: 1, duplicate: false });
    expect(bus.records.map((r) => r.topic)).toEqual(['raw', 'events']);
    const event = JSON.parse(bus.records[1]!.value) as { source: string; type: string; data: { id: string; status: string; environment: string } };
    expect(event).toMatchObject({ source: 'shipit', type: 'deployment', data: { id: 'shipit:d-42', status: 'failure', environment: 'production' } });
  });

  it('gets the core\'s idempotency: a redelivery is acknowledged and not published again', async () => {
    bus.records.length = 0;
    const response = await post(deployment, { 'x-shipit-token': TOKEN, 'x-shipit-delivery': 'delivery-1' });
    expect(await response.json()).toMatchObject({ accepted: true, duplicate: true });
    expect(bus.records).toEqual([]);
  });

  it('refuses a wrong token with 401 before reading the body, and dead-letters a body its normaliser cannot read', async () => {
    const refused = await post(deployment, { 'x-shipit-token': 'wrong' });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ accepted: false, error: 'bad_token' });
    bus.records.length = 0;
    const broken = await post({ ...deployment, id: 'd-43', sha: 'not a sha' }, { 'x-shipit-token': TOKEN });
    expect(await broken.json()).toMatchObject({ accepted: true, outcome: 'dlq' });
    expect(bus.records.map((r) => r.topic)).toEqual(['raw', 'dlq']);
  });

  it('is unknown to the built-in registry: its path is not served and its deliveries are dead-lettered there', async () => {
    expect(sources.route('/webhooks/shipit')).toBeUndefined();
    const outcome = normalise({ source: 'shipit', event: 'deployment', deliveryId: 'x', receivedAt: '2026-03-02T10:05:00.000Z', payload: deployment }, defaultNormaliseContext);
    expect(outcome).toEqual({ kind: 'dlq', reason: 'no webhook normaliser for source "shipit"' });
  });

  it('cannot take a route or an id another source has', () => {
    expect(() => sources.with({ ...shipitSource, id: 'github' })).toThrow('source "github" is registered twice');
    expect(() => sources.with({ ...shipitSource, webhooks: [{ ...shipitSource.webhooks[0]!, path: '/webhooks/gitlab' }] })).toThrow('/webhooks/gitlab of "shipit" is already taken by "gitlab"');
  });

  it('lists every built-in source once, with its Data health rows', () => {
    expect(sources.sources.map((s) => s.id)).toEqual(['github', 'gitlab', 'jira', 'pagerduty', 'opsgenie', 'generic']);
    expect(sources.routes.map((r) => r.route.path).sort()).toEqual(['/webhooks/deployments', '/webhooks/github', '/webhooks/gitlab', '/webhooks/incidents', '/webhooks/jira', '/webhooks/opsgenie', '/webhooks/pagerduty']);
    expect(sources.with(shipitSource).healthRows()).toContainEqual({ source: 'shipit', path: '/webhooks/shipit', secret: 'SHIPIT_WEBHOOK_TOKEN' });
  });
});

describe('what the receiver logs', () => {
  it('a refusal the sender can act on or retry is a warning, with the route, status and reason', async () => {
    const logged: Record<string, unknown>[] = [];
    const busy = new RecordingBus();
    busy.publish = async () => { throw new BusUnavailableError('broker down (test)'); };
    const receiver = await startReceiver({ bus: busy, secrets: { SHIPIT_WEBHOOK_TOKEN: TOKEN }, sources: sources.with(shipitSource), log: (entry) => logged.push(entry) });
    try {
      expect((await receiver.post('/webhooks/shipit', '{}', { 'x-shipit-token': 'wrong' })).status).toBe(401);
      expect((await receiver.post('/webhooks/shipit', JSON.stringify(deployment), { 'x-shipit-token': TOKEN, 'content-type': 'application/json' })).status).toBe(503);
    } finally {
      await receiver.close();
    }
    expect(logged).toEqual([
      { level: 'warn', msg: 'webhook rejected', route: 'shipit', status: 401, reason: 'bad_token' },
      { level: 'warn', msg: 'webhook rejected', route: 'shipit', status: 503, reason: 'bus_unavailable' },
    ]);
  });
});
