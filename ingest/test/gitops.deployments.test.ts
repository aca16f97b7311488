import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { EventOf } from '@paved/schemas';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import { repositoryPath } from '../src/gitops/normalise.js';
import { WebhookReceiver } from '../src/http/webhooks.js';
import { argocdScope, documentedArgocdBody, renderArgocdTemplate, syncedApplication } from './fixtures/gitops.js';

/*
 * Argo CD and Flux report deployments to POST /webhooks/deployments: with the template documented in
 * docs/sources/argocd.md (read from the doc and rendered as argocd-notifications renders it), with
 * the Application itself as body, and with Flux's generic-provider event (Flux's own example).
 */

const TOKEN = 'generic-token';

class RecordingBus extends InProcessBus {
  readonly records: BusRecord[] = [];
  override async publish(records: BusRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

let server: Server;
let base: string;
let bus: RecordingBus;

beforeAll(async () => {
  bus = new RecordingBus();
  const receiver = new WebhookReceiver({ bus: bus as Bus, secrets: { PAVED_WEBHOOK_TOKEN: TOKEN }, context: defaultNormaliseContext });
  server = createServer((req, res) => void receiver.handle(req, res).then((handled) => { if (!handled) { res.writeHead(404); res.end(); } }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });
afterEach(() => { bus.records.length = 0; });

async function post(body: string, token = TOKEN) {
  const response = await fetch(`${base}/webhooks/deployments`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function deployments(): EventOf<'deployment'>['data'][] {
  return bus.records.filter((record) => record.topic === 'events').map((record) => (JSON.parse(record.value) as EventOf<'deployment'>).data);
}

describe('Argo CD with the documented notification template', () => {
  it('a succeeded sync is a successful production deployment of the synced revision', async () => {
    const body = renderArgocdTemplate(documentedArgocdBody('template.paved-sync-succeeded'), argocdScope(syncedApplication()));
    expect(body).not.toContain('<no value>');
    const answer = await post(body);
    expect(answer).toMatchObject({ status: 202, body: { outcome: 'ok', events: 1 } });
    expect(deployments()).toEqual([{
      id: 'generic:argocd:argocd/payments-api@2026-11-20T10:02:00Z', repo: 'acme/payments-api', service: 'payments-api', path: null,
      environment: 'production', sha: '9f2c1e4b7d3a5c6e8f0a1b2c3d4e5f6a7b8c9d0e', ref: null, status: 'success',
      started_at: '2026-11-20T10:02:00.000Z', finished_at: '2026-11-20T10:06:30.000Z', status_at: '2026-11-20T10:06:30.000Z',
      creator: { login: 'ada@acme.test', name: null, email: null, bot: false }, workflow_name: 'argocd:https://kubernetes.default.svc/payments',
      source_system: 'argocd', url: 'https://argocd.example.com/applications/argocd/payments-api',
    }]);
  });

  it('a failed sync of the same operation updates the same deployment to failure', async () => {
    const app = syncedApplication({ phase: 'Failed' });
    const answer = await post(renderArgocdTemplate(documentedArgocdBody('template.paved-sync-failed'), argocdScope(app)));
    expect(answer).toMatchObject({ status: 202, body: { outcome: 'ok' } });
    expect(deployments()).toMatchObject([{ id: 'generic:argocd:argocd/payments-api@2026-11-20T10:02:00Z', status: 'failure', environment: 'production' }]);
  });

  it('an automated sync (no user) renders and is credited to the automation', async () => {
    const body = renderArgocdTemplate(documentedArgocdBody('template.paved-sync-succeeded'), argocdScope(syncedApplication({ automated: true })));
    expect((await post(body)).body).toMatchObject({ outcome: 'ok' });
    expect(deployments()[0]!.creator.login).toBe('argocd-automated-sync');
  });

  it('without the bearer token nothing is stored (401)', async () => {
    const body = renderArgocdTemplate(documentedArgocdBody('template.paved-sync-succeeded'), argocdScope(syncedApplication()));
    expect((await post(body, 'wrong')).status).toBe(401);
    expect(bus.records).toEqual([]);
  });
});

describe('Argo CD sending the Application itself ({{toJson .app}})', () => {
  it('is the same deployment as the template reports (same id), read from operationState', async () => {
    const answer = await post(JSON.stringify(syncedApplication()));
    expect(answer).toMatchObject({ status: 202, body: { outcome: 'ok', events: 1 } });
    expect(deployments()).toMatchObject([{
      id: 'generic:argocd:argocd/payments-api@2026-11-20T10:02:00Z',
      repo: 'acme/payments-api', environment: 'production', status: 'success', sha: '9f2c1e4b7d3a5c6e8f0a1b2c3d4e5f6a7b8c9d0e',
      started_at: '2026-11-20T10:02:00.000Z', finished_at: '2026-11-20T10:06:30.000Z', source_system: 'argocd', ref: 'main',
    }]);
  });

  it('wrapped under "app" it is read the same; labels name the environment and service', async () => {
    const app = syncedApplication({ phase: 'Error' });
    (app.metadata as Record<string, unknown>).labels = { 'paved.dev/environment': 'staging', 'paved.dev/service': 'payments' };
    await post(JSON.stringify({ app }));
    expect(deployments()).toMatchObject([{ status: 'error', environment: 'staging', service: 'payments' }]);
  });

  it('a running sync is in progress; an Application without operationState is ignored; an unknown phase is dead-lettered', async () => {
    await post(JSON.stringify(syncedApplication({ phase: 'Running' })));
    expect(deployments()).toMatchObject([{ status: 'in_progress', finished_at: null }]);
    const idle = syncedApplication();
    delete (idle.status as Record<string, unknown>).operationState;
    expect((await post(JSON.stringify(idle))).body).toMatchObject({ outcome: 'ignored' });
    expect((await post(JSON.stringify(syncedApplication({ phase: 'Pondering' })))).body).toMatchObject({ outcome: 'dlq', reason: expect.stringContaining('"Pondering"') });
  });
});

describe('Flux notification-controller (generic provider)', () => {
  const fluxExample = () => readFileSync(join(import.meta.dirname, 'fixtures', 'flux', 'event-validation-failed.json'), 'utf8');

  it("Flux's documented ValidationFailed event is a failed deployment of the revision's sha", async () => {
    const answer = await post(fluxExample());
    expect(answer).toMatchObject({ status: 202, body: { outcome: 'ok', events: 1 } });
    expect(deployments()).toMatchObject([{
      id: 'generic:flux:apps/Kustomization/webapp@main/731f7eaddfb6af01cb2173e18f0f75b0ba780ef1', status: 'failure',
      sha: '731f7eaddfb6af01cb2173e18f0f75b0ba780ef1', ref: 'main', environment: 'production', service: 'webapp',
      finished_at: '2022-10-28T07:26:19.000Z', source_system: 'flux',
    }]);
  });

  it('ReconciliationSucceeded with the Alert eventMetadata (environment, repo) is a success there', async () => {
    const event = JSON.parse(fluxExample()) as Record<string, any>;
    Object.assign(event, { severity: 'info', reason: 'ReconciliationSucceeded', message: 'Reconciliation finished' });
    event.metadata = { 'kustomize.toolkit.fluxcd.io/revision': 'main@sha1:731f7eaddfb6af01cb2173e18f0f75b0ba780ef1', environment: 'staging', repo: 'acme/webapp' };
    await post(JSON.stringify(event));
    expect(deployments()).toMatchObject([{ status: 'success', environment: 'staging', repo: 'acme/webapp', sha: '731f7eaddfb6af01cb2173e18f0f75b0ba780ef1', ref: 'main' }]);
  });

  it('progress events and source events are acknowledged and ignored', async () => {
    const progressing = { ...(JSON.parse(fluxExample()) as Record<string, unknown>), reason: 'Progressing', severity: 'info' };
    expect((await post(JSON.stringify(progressing))).body).toMatchObject({ outcome: 'ignored' });
    const source = JSON.parse(fluxExample()) as Record<string, any>;
    source.involvedObject.kind = 'GitRepository';
    expect((await post(JSON.stringify(source))).body).toMatchObject({ outcome: 'ignored' });
    expect(deployments()).toEqual([]);
  });
});

describe('repository paths from Git URLs', () => {
  it.each([
    ['https://github.com/acme/payments-api.git', 'acme/payments-api'],
    ['git@github.com:acme/payments-api.git', 'acme/payments-api'],
    ['https://gitlab.example.com/acme/platform/payments.git', 'acme/platform/payments'],
    ['ssh://git@gitlab.example.com:2222/acme/payments', 'acme/payments'],
    ['https://charts.example.com', undefined],
  ])('%s -> %s', (url, path) => {
    expect(repositoryPath(url)).toBe(path);
  });
});
