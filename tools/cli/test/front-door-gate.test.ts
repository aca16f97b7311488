/**
 * The sign-in gate mounted in the Hono front door (auth.oidc set): webhooks are answered before
 * it, survey links pass, a page without a session is sent to sign in, an API call is 401, the
 * admin token and a session from this site reach the dashboard, a cross-site request with a
 * session is 403.
 */
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultNormaliseContext, InProcessBus, WebhookReceiver } from '@paved/ingest';
import { PavedConfig } from '@paved/schemas';
import { seal, SESSION_COOKIE, sessionKeyOf } from '@paved/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/loopback.js';
import { AuthGate } from '../src/auth/oidc.js';
import { frontDoorApp } from '../src/front-door.js';
import { serveApp } from '../src/ops.js';

const key = sessionKeyOf('a-session-secret-that-is-long-enough-0123456789');
let server: Server;
let base: string;
const reached: string[] = [];

beforeAll(async () => {
  const deadPort = await freePort(); // no provider: only the sign-in pages need one
  const settings = PavedConfig.parse({ auth: { oidc: { issuer: `http://127.0.0.1:${deadPort}`, clientId: 'paved' } } }).auth.oidc!;
  const port = await freePort();
  const gate = new AuthGate({ settings, fallbackPublicUrl: `http://127.0.0.1:${port}`, sessionKey: key, adminToken: 'admin-token-123', log: () => {} });
  const app = frontDoorApp({
    webhooks: new WebhookReceiver({ bus: new InProcessBus(), context: defaultNormaliseContext, secrets: { PAVED_WEBHOOK_TOKEN: 'tok' } }),
    gate, publicOrigins: [], localUrl: `http://127.0.0.1:${port}`,
    dashboard: async (request, response) => {
      reached.push(`${request.method} ${request.url}`);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('dashboard');
    },
  });
  server = await serveApp(app, '127.0.0.1', port);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });

describe('the front door with sign-in', () => {
  it('answers webhooks before the gate and lets survey links through', async () => {
    const body = JSON.stringify({ id: 'd-1', service: 'payments', environment: 'production', status: 'success', finished_at: '2026-03-02T10:00:00Z' });
    expect((await fetch(`${base}/webhooks/deployments`, { method: 'POST', headers: { authorization: 'Bearer tok', 'content-type': 'application/json' }, body })).status).toBe(202);
    expect(await (await fetch(`${base}/s/some-link`)).text()).toBe('dashboard');
  });

  it('sends a page without a session to sign in (keeping where it was going), and refuses an API call with 401', async () => {
    const page = await fetch(`${base}/dora?team=payments`, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(`/auth/signin?returnTo=${encodeURIComponent('/dora?team=payments')}`);
    const api = await fetch(`${base}/api/v1/metrics/dora`);
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: 'unauthenticated' });
  });

  it('lets the admin token and a session of this site through, and refuses a cross-site request with a session', async () => {
    reached.length = 0;
    expect(await (await fetch(`${base}/api/v1/metrics/dora`, { headers: { authorization: 'Bearer admin-token-123' } })).text()).toBe('dashboard');
    const cookie = `${SESSION_COOKIE}=${encodeURIComponent(await seal({ sub: 'u1', name: 'Ada', email: null, role: 'viewer' }, key, 3600))}`;
    expect(await (await fetch(`${base}/dora`, { headers: { cookie } })).text()).toBe('dashboard');
    const crossSite = await fetch(`${base}/api/admin/transform`, { method: 'POST', headers: { cookie, origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect(reached).toEqual(['GET /api/v1/metrics/dora', 'GET /dora']);
  });

  it('a survey-link or survey-API prefix that decodes to another path does not pass the gate', async () => {
    // Sent as written (fetch would normalise the dot segments before sending).
    const rawGet = (path: string) => new Promise<number>((resolve, reject) => {
      const url = new URL(base);
      httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject).end();
    });
    reached.length = 0;
    for (const path of ['/s/..%2fapi/admin/transform', '/s/..%2Fdora', '/s/%2e%2e/api/v1/metrics/dora', '/s/..%5capi%5cadmin%5ctransform', '/s/%252e%252e%252fapi/admin/transform',
      '/api/surveys/..%2f..%2fapi/v1/export/teams', '/api/surveys/%2e%2e/%2e%2e/api/admin/transform', '/s/%']) {
      expect([302, 401], path).toContain(await rawGet(path));
    }
    expect(reached, 'requests that reached the dashboard without a session').toEqual([]);
    // A real survey link (base64url) still passes.
    expect(await rawGet('/s/eyJjIjoiZHgifQ.AbC-_dEf')).toBe(200);
    expect(reached).toEqual(['GET /s/eyJjIjoiZHgifQ.AbC-_dEf']);
  });

  it('serves the sign-in pages itself: signing in without a provider is a 502 naming it, signed-out is a page', async () => {
    const signIn = await fetch(`${base}/auth/signin`, { redirect: 'manual' });
    expect(signIn.status).toBe(502);
    expect(await signIn.text()).toContain('Sign-in is unavailable');
    const signedOut = await fetch(`${base}/auth/signed-out`);
    expect(signedOut.status).toBe(200);
    expect(signedOut.headers.get('cache-control')).toBe('no-store');
    expect(await signedOut.text()).toContain('You are signed out of Paved');
  });
});
