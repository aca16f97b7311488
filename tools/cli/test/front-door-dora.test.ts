/**
 * GET /api/v1/metrics/dora answered by the front door itself (tools/runtime/src/dora-api.ts), not by
 * Next.js: behind the sign-in gate like every other API call (401 without a session or the admin
 * token, and the dashboard never sees it), with the same answer as doraMetrics on a real embedded
 * warehouse, a 400 naming a bad parameter or an unknown team, and any other method passed on to the
 * dashboard (whose route file answers 405 for it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PavedConfig } from '@paved/schemas';
import type { PavedRuntime } from '@paved/runtime';
import { doraMetrics, rebuildDoraDaily } from '@paved/transform';
import { migrate, Warehouse } from '@paved/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/loopback.js';
import { AuthGate } from '../src/auth/oidc.js';
import { frontDoorApp } from '../src/front-door.js';
import { serveApp } from '../src/ops.js';

const dir = mkdtempSync(join(tmpdir(), 'paved-front-door-dora-'));
const ADMIN = { authorization: 'Bearer admin-token-123' };
let warehouse: Warehouse;
let server: Server;
let base: string;
const reached: string[] = [];

beforeAll(async () => {
  warehouse = await Warehouse.open({ dataDir: dir, command: 'vitest front-door-dora' });
  await migrate(warehouse);
  await warehouse.insert('catalog_entities', ['pay-api', 'pay-web'].map((service) => ({ service, team: 'payments', annotations: {}, updated_at: '2026-03-01 00:00:00.000', event_id: service })));
  const fact = (id: string, service: string, at: string, failed: boolean) => ({
    id, repo: `acme/${service}`, service, team: 'payments', golden_path: false, via_platform: false, deployed_at: at, change_set_method: 'compare', commits: 1,
    failed, recovery_hours: failed ? 3 : null, rework: false,
  });
  await warehouse.insert('t_deployment_facts', [
    fact('d1', 'pay-api', '2026-03-02 10:00:00.000', false), fact('d2', 'pay-api', '2026-03-04 10:00:00.000', true), fact('d3', 'pay-web', '2026-03-05 10:00:00.000', false),
  ]);
  await rebuildDoraDaily(warehouse);
  const config = PavedConfig.parse({});
  const runtime = { warehouse, config, env: {}, startedAt: new Date().toISOString(), demo: null, authRequired: true, runTransform: async () => null } as unknown as PavedRuntime;

  const deadPort = await freePort(); // no provider: the API needs none
  const settings = PavedConfig.parse({ auth: { oidc: { issuer: `http://127.0.0.1:${deadPort}`, clientId: 'paved' } } }).auth.oidc!;
  const port = await freePort();
  const gate = new AuthGate({ settings, fallbackPublicUrl: `http://127.0.0.1:${port}`, sessionKey: new Uint8Array(32).fill(7), adminToken: 'admin-token-123', log: () => {} });
  const app = frontDoorApp({
    gate, publicOrigins: [], localUrl: `http://127.0.0.1:${port}`, api: () => runtime,
    dashboard: async (request, response) => {
      reached.push(`${request.method} ${request.url}`);
      response.writeHead(405, { 'content-type': 'text/plain' }).end('dashboard');
    },
  });
  server = await serveApp(app, '127.0.0.1', port);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/metrics/dora in the front door', () => {
  it('is behind the sign-in gate: 401 without the admin token or a session, and nothing reaches the dashboard', async () => {
    reached.length = 0;
    const response = await fetch(`${base}/api/v1/metrics/dora?from=2026-03-02&to=2026-03-16&team=payments`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unauthenticated' });
    expect(reached).toEqual([]);
  });

  it('answers what doraMetrics answers, without the dashboard', async () => {
    reached.length = 0;
    const response = await fetch(`${base}/api/v1/metrics/dora?from=2026-03-02&to=2026-03-16&team=payments`, { headers: ADMIN });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual(JSON.parse(JSON.stringify(await doraMetrics(warehouse, { from: '2026-03-02', to: '2026-03-16', team: 'payments' }))));
    expect(body.deploymentFrequency).toMatchObject({ deployments: 3, services: 2 });
    expect(body.changeFailureRate).toMatchObject({ failedDeployments: 1 });
    expect(reached).toEqual([]);
  });

  it('names a bad parameter, and an unknown team with the known ones', async () => {
    const bad = await fetch(`${base}/api/v1/metrics/dora?from=March`, { headers: ADMIN });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: unknown[] }).issues[0]).toMatchObject({ parameter: 'from' });
    const unknown = await fetch(`${base}/api/v1/metrics/dora?from=2026-03-02&to=2026-03-16&team=nobody`, { headers: ADMIN });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'bad_request', known: expect.arrayContaining(['payments']) });
  });

  it('passes another method on to the dashboard', async () => {
    reached.length = 0;
    const response = await fetch(`${base}/api/v1/metrics/dora`, { method: 'POST', headers: ADMIN });
    expect(response.status).toBe(405);
    expect(reached).toEqual(['POST /api/v1/metrics/dora']);
  });
});
