import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PavedConfig } from '@paved/schemas';
import { type OidcSettings, roleOfClaims, Session, seal, sessionFromCookieHeader, sessionKeyOf, unseal } from '@paved/runtime';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/loopback.js';
import { isPublicPath, safeReturnPath, sessionKeyFrom } from '../src/auth/oidc.js';
import { assertSafeBind } from '../src/setup.js';

const settings = (overrides: Partial<OidcSettings> = {}): OidcSettings =>
  PavedConfig.parse({ auth: { oidc: { issuer: 'https://id.example.com', clientId: 'paved', ...overrides } } }).auth.oidc!;

describe('role mapping from claims and allow-lists', () => {
  it('gives admin for an admin group, viewer otherwise, when no viewer list is set', () => {
    expect(roleOfClaims({ sub: 'a', groups: ['eng', 'paved-admin'] }, settings())).toBe('admin');
    expect(roleOfClaims({ sub: 'b', groups: ['eng'] }, settings())).toBe('viewer');
    expect(roleOfClaims({ sub: 'c' }, settings())).toBe('viewer');
  });

  it('restricts viewers to the listed groups or e-mails when a list is set', () => {
    const restricted = settings({ viewerValues: ['eng'], viewerEmails: ['Guest@Example.com'] });
    expect(roleOfClaims({ sub: 'b', groups: ['eng'] }, restricted)).toBe('viewer');
    expect(roleOfClaims({ sub: 'g', email: 'guest@example.com' }, restricted)).toBe('viewer');
    expect(roleOfClaims({ sub: 'x', groups: ['contractors'] }, restricted)).toBeNull();
  });

  it('reads a space-separated claim and a dotted path (Keycloak realm roles)', () => {
    const keycloak = settings({ rolesClaim: 'realm_access.roles', adminValues: ['ops'] });
    expect(roleOfClaims({ sub: 'k', realm_access: { roles: ['user', 'ops'] } }, keycloak)).toBe('admin');
    expect(roleOfClaims({ sub: 's', groups: 'eng paved-admin' }, settings())).toBe('admin');
  });

  it('trusts an allow-listed e-mail only when the provider has not said it is unverified', () => {
    const byEmail = settings({ adminEmails: ['boss@example.com'] });
    expect(roleOfClaims({ sub: 'a', email: 'BOSS@example.com', email_verified: true }, byEmail)).toBe('admin');
    expect(roleOfClaims({ sub: 'a', email: 'boss@example.com', email_verified: false }, byEmail)).toBe('viewer');
  });
});

describe('sealed session cookies', () => {
  const key = sessionKeyOf('a-session-secret-that-is-long-enough-0123456789');
  const session: Session = { sub: 'victor', name: 'Victor', email: 'v@example.com', role: 'viewer' };

  it('round-trips, and refuses another key, a changed byte, an expired cookie and another shape', async () => {
    const value = await seal(session, key, 60);
    expect(await sessionFromCookieHeader(`other=1; paved_session=${encodeURIComponent(value)}`, key)).toEqual(session);
    expect(await unseal(value, sessionKeyOf('another-secret-that-is-also-long-enough-xyz'), Session)).toBeNull();
    const tampered = value.slice(0, -5) + (value.at(-5) === 'A' ? 'B' : 'A') + value.slice(-4);
    expect(await unseal(tampered, key, Session)).toBeNull();
    expect(await unseal(await seal(session, key, -10), key, Session)).toBeNull();
    expect(await unseal(await seal({ ...session, role: 'owner' }, key, 60), key, Session)).toBeNull();
    expect(await sessionFromCookieHeader(undefined, key)).toBeNull();
  });

  it('generates a secret once under the data directory, readable only by its owner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paved-session-'));
    const file = join(dir, 'session.secret');
    const first = sessionKeyFrom(undefined, file);
    expect(Buffer.from(sessionKeyFrom(undefined, file))).toEqual(Buffer.from(first));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').length).toBeGreaterThanOrEqual(40);
    expect(Buffer.from(sessionKeyFrom('an-explicit-secret-from-the-environment-123', file))).not.toEqual(Buffer.from(first));
  });
});

describe('what the gate lets through', () => {
  it('returns only to paths on this site', () => {
    expect(safeReturnPath('/dora?team=a')).toBe('/dora?team=a');
    for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example', '', null, '/auth/callback?code=x']) expect(safeReturnPath(bad)).toBe('/');
  });

  it('keeps survey links, static assets and health public, and nothing else', () => {
    for (const open of ['/s/abc', '/api/surveys/abc', '/_next/static/chunks/a.js', '/api/health', '/api/openapi.json', '/auth/signin']) expect(isPublicPath(open)).toBe(true);
    for (const closed of ['/', '/dora', '/api/v1/metrics/dora', '/api/admin/transform', '/surveys', '/surveys/admin', '/sx', '/api/healthz']) expect(isPublicPath(closed)).toBe(false);
  });
});

describe('binding beyond loopback', () => {
  const none = PavedConfig.parse({});
  const withOidc = PavedConfig.parse({ auth: { oidc: { issuer: 'https://id.example.com', clientId: 'paved' } } });
  it('is refused without sign-in, allowed with auth.oidc or an explicit opt-out', () => {
    expect(() => assertSafeBind(none, '0.0.0.0', {})).toThrow(/configure auth\.oidc/);
    expect(() => assertSafeBind(none, '127.0.0.1', {})).not.toThrow();
    expect(() => assertSafeBind(withOidc, '0.0.0.0', {})).not.toThrow();
    expect(() => assertSafeBind(none, '0.0.0.0', { PAVED_ALLOW_UNAUTHENTICATED_BIND: '1' })).not.toThrow();
  });
});

describe('the gate while the provider is down', () => {
  it('answers sign-in with a 502 page naming the issuer, and still refuses everything else', async () => {
    const { createServer } = await import('node:http');
    const { AuthGate } = await import('../src/auth/oidc.js');
    const deadPort = await freePort(); // nothing listens there
    const gate = new AuthGate({
      settings: settings({ issuer: `http://127.0.0.1:${deadPort}` }), fallbackPublicUrl: 'http://127.0.0.1:3000',
      sessionKey: sessionKeyOf('a-session-secret-that-is-long-enough-0123456789'), adminToken: 'admin-token-123', log: () => {},
    });
    const server = createServer((req, res) => { void gate.handle(req, res).then((answered) => { if (!answered) res.end('dashboard'); }); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const signIn = await fetch(`${base}/auth/signin`, { redirect: 'manual' });
      expect(signIn.status).toBe(502);
      expect(await signIn.text()).toContain(`http://127.0.0.1:${deadPort}`);
      expect((await fetch(`${base}/dora`, { redirect: 'manual' })).status).toBe(302);
      expect((await fetch(`${base}/api/v1/metrics/dora`)).status).toBe(401);
      expect(await (await fetch(`${base}/api/v1/metrics/dora`, { headers: { authorization: 'Bearer admin-token-123' } })).text()).toBe('dashboard');
      expect(await (await fetch(`${base}/s/some-link`)).text()).toBe('dashboard');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
