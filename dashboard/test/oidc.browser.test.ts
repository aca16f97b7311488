/**
 * Sign-in through a real OpenID Connect provider (the `oidc-provider` package) on loopback, in a
 * real browser, against `paved start` configured with auth.oidc:
 * - without a session every page redirects to sign-in and every API answers 401, while webhooks,
 *   survey links and the health probe keep their own authentication;
 * - a viewer signs in, sees the dashboard, and is refused every admin action (403);
 * - an admin signs in and may run them; a person outside the allow-list gets no session;
 * - a forged cookie and a cross-site POST are refused, and sign-out ends the session.
 * Screenshots land in test-artifacts/browser/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, type DemoPaved, freePort, openPage, ROOT, settled, startDemoPaved } from './harness.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
const CLIENT_SECRET = 'loopback-test-client-secret-0123456789';

const ACCOUNTS: Record<string, { name: string; email: string; email_verified: boolean; groups: string[] }> = {
  victor: { name: 'Victor Viewer', email: 'victor@example.test', email_verified: true, groups: ['engineering'] },
  alice: { name: 'Alice Admin', email: 'alice@example.test', email_verified: true, groups: ['engineering', 'paved-admin'] },
  mallory: { name: 'Mallory Outsider', email: 'mallory@example.test', email_verified: true, groups: ['contractors'] },
};

describe.skipIf(!existsSync(CHROMIUM))('OpenID Connect sign-in and roles (real provider on loopback)', () => {
  let provider: Server;
  let paved: DemoPaved;
  let browser: Browser;
  let base: string;
  let issuer: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const [providerPort, pavedPort] = [await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${providerPort}`;
    base = `http://127.0.0.1:${pavedPort}`;

    const oidc = new Provider(issuer, {
      clients: [{
        client_id: 'paved', client_secret: CLIENT_SECRET, redirect_uris: [`${base}/auth/callback`],
        grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post',
      }],
      // Groups come from userinfo only (as with many providers), so Paved must look there.
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
      findAccount: (_ctx, id) => (ACCOUNTS[id] ? { accountId: id, claims: () => ({ sub: id, ...ACCOUNTS[id] }) } : undefined),
      features: { devInteractions: { enabled: true } },
      pkce: { required: () => true },
      cookies: { keys: ['loopback-test-cookie-key'] },
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    });
    provider = oidc.listen(providerPort, '127.0.0.1') as Server;

    paved = await startDemoPaved({
      port: pavedPort,
      config: ['auth:', '  oidc:', `    issuer: ${issuer}`, '    clientId: paved', '    viewerValues: [engineering]'],
      env: { OIDC_CLIENT_SECRET: CLIENT_SECRET },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await paved?.stop();
    await new Promise((r) => provider?.close(r));
    // The client secret must never reach the log.
    expect(paved?.output() ?? '').not.toContain(CLIENT_SECRET);
  }, 30_000);

  /** Signs in through the provider's own login and consent pages, as a person does. */
  async function signIn(login: string, path = '/'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    await page.goto(base + path);
    expect(page.url().startsWith(issuer), `redirected to the provider, at ${page.url()}`).toBe(true);
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('any password');
    await page.locator('button[type=submit]').click();
    await page.waitForLoadState('load');
    if (page.url().startsWith(issuer)) {
      await page.locator('button[type=submit]').click(); // consent
    }
    await page.waitForURL((url) => url.href.startsWith(base), { timeout: 20_000 });
    return { context, page };
  }

  it('without a session: pages redirect to sign-in, APIs answer 401, webhooks and survey links keep their own authentication', async () => {
    const pageResponse = await fetch(`${base}/dora?team=payments`, { redirect: 'manual' });
    expect(pageResponse.status).toBe(302);
    expect(pageResponse.headers.get('location')).toBe('/auth/signin?returnTo=%2Fdora%3Fteam%3Dpayments');
    const api = await fetch(`${base}/api/v1/metrics/dora?from=2026-01-01&to=2026-02-01`);
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: string }).error).toBe('unauthenticated');
    expect((await fetch(`${base}/api/admin/transform`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${base}/api/v1/metrics/dora`, { headers: { authorization: 'Bearer not-the-admin-token' } })).status).toBe(401);
    // The admin token (what `paved metrics` and `paved transform run` send to a running Paved) still works.
    const token = readFileSync(join(paved.dataDir, 'admin.token'), 'utf8').trim();
    expect((await fetch(`${base}/api/v1/metrics/dora?from=2026-01-01&to=2026-02-01`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // A webhook without its signature is refused by the receiver itself (401), not sent to sign-in.
    const webhook = await fetch(`${base}/webhooks/github`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'd-1' }, body: '{}' });
    expect(webhook.status).not.toBe(302);
    expect(webhook.headers.get('location')).toBeNull();
    // A survey link needs no session: an unknown token is the survey page's own answer, not a redirect.
    const survey = await fetch(`${base}/s/not-a-real-token`, { redirect: 'manual' });
    expect(survey.status).not.toBe(302);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
    // A forged session cookie is ignored.
    const forged = await fetch(`${base}/`, { redirect: 'manual', headers: { cookie: 'paved_session=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.BBBB.CCCC' } });
    expect(forged.status).toBe(302);
  });

  it('a viewer signs in, reads the dashboard, and is refused every admin action on the server', async () => {
    const { context, page } = await signIn('victor', '/dora?team=payments');
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/dora?team=payments');
    await settled(page);
    await page.locator('figure.chart .recharts-surface').first().waitFor({ timeout: 20_000 });
    await page.getByText('Victor Viewer · viewer').waitFor();
    expect(await page.getByText('No sign-in configured').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'oidc-viewer-dora.png') });

    const origin = { origin: base };
    const api = await page.request.get(`${base}/api/v1/metrics/dora?from=2026-01-01&to=2026-11-01`);
    expect(api.status()).toBe(200);
    for (const [path, data] of [
      ['/api/admin/transform', undefined],
      ['/api/admin/overrides', { deploymentId: 'd', incidentId: '*', verdict: 'reject', reason: 'viewer tries' }],
      ['/api/admin/dlq/replay', undefined],
      ['/api/admin/digest', undefined],
      ['/api/admin/surveys', { title: 'x' }],
      ['/api/admin/connect/github', { org: 'acme', url: 'https://paved.example', credentials: { kind: 'token', token: 'viewer-tries' } }],
    ] as const) {
      const response = await page.request.post(base + path, { headers: { ...origin, accept: 'application/json' }, data });
      expect(response.status(), `${path} as a viewer`).toBe(403);
    }
    // Settings is not in a viewer's navigation, and the page offers no connect form.
    expect(await page.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    await openPage(page, `${base}/settings`);
    await page.getByText('Connecting a source needs the admin role').waitFor();
    expect(await page.locator('form[action="/api/admin/connect/github"]').count()).toBe(0);
    // The drill-down shows the evidence but no override buttons.
    await openPage(page, `${base}/dora/explain?metric=changeFailureRate`);
    await page.getByText('Sign in as an admin to correct failure links.').waitFor();
    expect(await page.locator('form.override-form').count()).toBe(0);
    await context.close();
  });

  it('an admin signs in and may run admin actions; a cross-site POST with the same cookie is refused', async () => {
    const { context, page } = await signIn('alice');
    await page.getByText('Alice Admin · admin').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'oidc-admin-overview.png') });
    const run = await page.request.post(`${base}/api/admin/transform`, { headers: { origin: base, accept: 'application/json' } });
    expect(run.status()).toBeLessThan(300);
    const crossSite = await page.request.post(`${base}/api/admin/transform`, { headers: { origin: 'https://evil.example', accept: 'application/json' } });
    expect(crossSite.status()).toBe(403);
    // What an admin changes is recorded under the signed-in person.
    const saved = await page.request.post(`${base}/api/admin/roi`, { headers: { origin: base, accept: 'application/json' }, data: { currency: 'EUR' } });
    expect(saved.status()).toBe(201);
    const audit = (await (await page.request.get(`${base}/api/admin/roi`)).json()) as { overrides: { key: string; set_by: string }[] };
    expect(audit.overrides.find((o) => o.key === 'roi.currency')?.set_by).toBe('alice@example.test');

    // Sign-out ends the session: the next page asks to sign in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/auth/signed-out`);
    const after = await page.request.get(`${base}/api/v1/metrics/dora`, { maxRedirects: 0 });
    expect(after.status()).toBe(401);
    await context.close();
  });

  it('a person outside the allow-list is told so and gets no session', async () => {
    const { context, page } = await signIn('mallory');
    await page.getByText('No access to Paved').waitFor();
    expect(await page.getByText('mallory@example.test').count()).toBe(1);
    const cookies = await context.cookies(base);
    expect(cookies.find((c) => c.name === 'paved_session')).toBeUndefined();
    expect((await page.request.get(`${base}/api/v1/metrics/dora`)).status()).toBe(401);
    await context.close();
  });

  it('the session cookie is HttpOnly and SameSite=Lax, and sign-in only returns to paths on this site', async () => {
    const { context, page } = await signIn('victor', '/auth/signin?returnTo=%2F%2Fevil.example%2Fphish');
    expect(new URL(page.url()).origin).toBe(base);
    expect(new URL(page.url()).pathname).toBe('/');
    const session = (await context.cookies(base)).find((c) => c.name === 'paved_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');
    await context.close();
  });
});
