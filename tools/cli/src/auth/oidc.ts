import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type { getRequestListener } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { type NodeEnv, nodeListener, safeEqual } from '@paved/ingest';
import { type OidcSettings, originAllowed, readCookie, roleOfClaims, SESSION_COOKIE, type Session, SIGN_IN_COOKIE, SignInTransaction, seal, sessionFromCookieHeader, sessionKeyOf, unseal } from '@paved/runtime';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import * as client from 'openid-client';

/**
 * OpenID Connect sign-in in front of the dashboard (authorization code flow with PKCE, state and
 * nonce). It runs in Paved's own HTTP server, before Next.js, so no page or API is reachable
 * without a session or the admin token; what a role may do is checked again in each admin route.
 * Webhooks are answered before this gate, and survey links carry their own token.
 */
export interface AuthGateOptions {
  settings: OidcSettings;
  /** Where people reach Paved when auth.oidc.publicUrl is not set. */
  fallbackPublicUrl: string;
  clientSecret?: string;
  sessionKey: Uint8Array;
  adminToken: string | null;
  log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

/** Paths anyone may reach: sign-in itself, static assets, health probes, the API's OpenAPI document (no data), and token-authenticated survey links. */
const PUBLIC_PREFIXES = ['/auth/', '/_next/static/', '/s/', '/api/surveys/'];
const PUBLIC_PATHS = new Set(['/api/health', '/api/openapi.json', '/icon.svg', '/favicon.ico', '/robots.txt']);
const SIGN_IN_TTL_SECONDS = 600;

/**
 * Whether a request path may pass without sign-in: as written and as a router may read it after
 * decoding (`/s/..%2fapi/admin/transform` starts with `/s/`, but decoded and normalised it is
 * `/api/admin/transform`). Public only if both readings are.
 */
export function isPublicPath(path: string): boolean {
  const decoded = decodedPath(path);
  return decoded !== null && isPublicAsWritten(path) && isPublicAsWritten(decoded);
}

function isPublicAsWritten(path: string): boolean {
  return PUBLIC_PATHS.has(path) || PUBLIC_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** The path percent-decoded until it no longer changes (double encoding too), dot segments and backslashes resolved; null if it does not decode. */
function decodedPath(path: string): string | null {
  let current = path;
  for (let round = 0; round < 4; round += 1) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    next = new URL(next.replace(/\\/g, '/'), 'http://paved.invalid').pathname;
    if (next === current) return current;
    current = next;
  }
  return null;
}

/** Only a path on this site may be returned to after sign-in (no `//evil.example`, no absolute URL). */
export function safeReturnPath(value: string | null | undefined): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || value.startsWith('/auth/')) return '/';
  return value;
}

/** The session cookie key: PAVED_SESSION_SECRET, or a random secret kept (0600) under the data directory. */
export function sessionKeyFrom(secret: string | undefined, secretFile: string): Uint8Array {
  if (secret) return sessionKeyOf(secret);
  if (!existsSync(secretFile)) {
    try {
      mkdirSync(dirname(secretFile), { recursive: true });
      writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`cannot keep a session secret at ${secretFile} (${(error as Error).message}): set PAVED_SESSION_SECRET to at least 32 random characters (openssl rand -base64 32)`);
      }
    }
  }
  return sessionKeyOf(readFileSync(secretFile, 'utf8').trim());
}

function isLoopbackUrl(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const NO_STORE = { 'cache-control': 'no-store' };

function page(c: Context<NodeEnv>, status: number, title: string, body: string): Response {
  return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Paved</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:12vh auto;padding:0 1.5rem;color:#1c2430;background:#f7f8fa}@media(prefers-color-scheme:dark){body{color:#e6e9ef;background:#12161c}a{color:#8ab4ff}}h1{font-size:1.4rem}.button{display:inline-block;padding:.5rem 1rem;border-radius:6px;background:#2f5bd3;color:#fff;text-decoration:none}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`, status as 200, { ...NO_STORE, 'x-frame-options': 'DENY' });
}

function json(c: Context<NodeEnv>, status: number, body: Record<string, unknown>): Response {
  return c.json(body, status as 200, NO_STORE);
}

function redirect(c: Context<NodeEnv>, status: 302 | 303, location: string, cookies: string[] = []): Response {
  for (const cookie of cookies) c.header('set-cookie', cookie, { append: true });
  return c.body(null, status, { ...NO_STORE, location });
}

export class AuthGate {
  readonly publicUrl: URL;
  private readonly secure: boolean;
  private discovered: Promise<client.Configuration> | null = null;

  constructor(private readonly options: AuthGateOptions) {
    this.publicUrl = new URL(options.settings.publicUrl ?? options.fallbackPublicUrl);
    this.secure = this.publicUrl.protocol === 'https:';
  }

  get callbackUrl(): string {
    return new URL('/auth/callback', this.publicUrl).href;
  }

  /** Provider metadata, fetched on first use and again after a failure (the provider may start after Paved). */
  configuration(): Promise<client.Configuration> {
    if (!this.discovered) {
      const { settings, clientSecret } = this.options;
      const issuer = new URL(settings.issuer);
      this.discovered = client.discovery(
        issuer, settings.clientId, clientSecret ? { client_secret: clientSecret } : undefined,
        clientSecret ? client.ClientSecretPost(clientSecret) : client.None(),
        // Plain http is accepted only for a provider on this machine (development and tests).
        isLoopbackUrl(issuer) ? { execute: [client.allowInsecureRequests] } : undefined,
      );
      this.discovered.catch(() => { this.discovered = null; });
    }
    return this.discovered;
  }

  /**
   * The gate as Hono routes: /auth/signin, /auth/callback, /auth/signout and /auth/signed-out, then
   * a middleware in front of everything else that lets a request through (to the dashboard) only
   * with a session from this site, the admin token, or on a public path.
   */
  routes(): Hono<NodeEnv> {
    const app = new Hono<NodeEnv>();
    app.all('/auth/signin', (c) => this.signIn(c));
    app.all('/auth/callback', (c) => this.callback(c));
    app.all('/auth/signout', (c) => this.signOut(c));
    app.all('/auth/signed-out', (c) => page(c, 200, 'Signed out', '<p>You are signed out of Paved. Your session at your identity provider may still be active.</p><p><a class="button" href="/auth/signin">Sign in again</a></p>'));
    app.use('*', this.requireSignIn);
    return app;
  }

  private readonly requireSignIn: MiddlewareHandler<NodeEnv> = async (c, next) => {
    const request = c.env.incoming;
    const url = new URL(request.url ?? '/', 'http://paved.invalid');
    const path = url.pathname;
    if (isPublicPath(path)) return next();

    const authorization = request.headers.authorization;
    if (authorization?.startsWith('Bearer ')) {
      const token = this.options.adminToken;
      if (token && safeEqual(authorization.slice(7).trim(), token)) return next();
      return json(c, 401, { error: 'unauthenticated', message: 'the bearer token is not valid for this Paved: use the admin token of this server (PAVED_ADMIN_TOKEN)' });
    }

    const session = await sessionFromCookieHeader(request.headers.cookie, this.options.sessionKey);
    if (session) {
      if (!this.sameOrigin(request)) return json(c, 403, { error: 'forbidden', message: 'cross-site request refused: send it from the Paved dashboard itself' });
      return next();
    }

    const wantsPage = (request.method === 'GET' || request.method === 'HEAD') && !path.startsWith('/api/');
    if (wantsPage) return redirect(c, 302, `/auth/signin?returnTo=${encodeURIComponent(safeReturnPath(path + url.search))}`);
    return json(c, 401, { error: 'unauthenticated', message: 'sign in at /auth/signin, or send the admin token as "Authorization: Bearer <token>"' });
  };

  /** The gate on a plain Node server: answers the request (true) or lets it through (false). */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    if (!this.listener) {
      const app = this.routes();
      app.all('*', (c) => {
        this.passed.add(c.env.incoming);
        return RESPONSE_ALREADY_SENT;
      });
      this.listener = nodeListener(app);
    }
    await this.listener(request, response);
    return !this.passed.delete(request);
  }

  private listener: ReturnType<typeof getRequestListener> | null = null;
  private readonly passed = new WeakSet<IncomingMessage>();

  /** A state-changing request carrying a session cookie must come from a Paved page (the one rule: tools/runtime/src/origin.ts). */
  private sameOrigin(request: IncomingMessage): boolean {
    const { method = 'GET', headers } = request;
    return originAllowed({ method, host: headers.host, origin: headers.origin, referer: headers.referer }, [this.publicUrl.origin]);
  }

  private cookie(name: string, value: string, maxAgeSeconds: number): string {
    return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.max(0, Math.round(maxAgeSeconds))}${this.secure ? '; Secure' : ''}`;
  }

  private async providerOr502(c: Context<NodeEnv>): Promise<client.Configuration | Response> {
    try {
      return await this.configuration();
    } catch (error) {
      this.options.log('error', 'OpenID provider unreachable', { issuer: this.options.settings.issuer, error: (error as Error).message });
      return page(c, 502, 'Sign-in is unavailable', `<p>Paved could not reach the OpenID Connect provider at <code>${escapeHtml(this.options.settings.issuer)}</code>: ${escapeHtml((error as Error).message)}.</p><p>Check <code>auth.oidc.issuer</code> in paved.config.yaml and that the provider is up, then <a href="/auth/signin">try again</a>.</p>`);
    }
  }

  private async signIn(c: Context<NodeEnv>): Promise<Response> {
    const url = new URL(c.env.incoming.url ?? '/', 'http://paved.invalid');
    const config = await this.providerOr502(c);
    if (config instanceof Response) return config;
    const transaction: SignInTransaction = {
      state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(),
      returnTo: safeReturnPath(url.searchParams.get('returnTo')),
    };
    const target = client.buildAuthorizationUrl(config, {
      redirect_uri: this.callbackUrl,
      scope: this.options.settings.scopes.join(' '),
      state: transaction.state,
      nonce: transaction.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(transaction.verifier),
      code_challenge_method: 'S256',
    });
    return redirect(c, 302, target.href, [this.cookie(SIGN_IN_COOKIE, await seal(transaction, this.options.sessionKey, SIGN_IN_TTL_SECONDS), SIGN_IN_TTL_SECONDS)]);
  }

  private async callback(c: Context<NodeEnv>): Promise<Response> {
    const request = c.env.incoming;
    const url = new URL(request.url ?? '/', 'http://paved.invalid');
    const transaction = await unseal(readCookie(request.headers.cookie, SIGN_IN_COOKIE), this.options.sessionKey, SignInTransaction);
    const clearTransaction = this.cookie(SIGN_IN_COOKIE, '', 0);
    if (url.searchParams.has('error')) {
      const reason = `${url.searchParams.get('error')}${url.searchParams.get('error_description') ? `: ${url.searchParams.get('error_description')}` : ''}`;
      this.options.log('warn', 'sign-in refused by the provider', { reason });
      c.header('set-cookie', clearTransaction);
      return page(c, 401, 'Sign-in did not complete', `<p>The identity provider answered: ${escapeHtml(reason)}.</p><p><a class="button" href="/auth/signin">Try again</a></p>`);
    }
    if (!transaction) {
      return page(c, 400, 'Sign-in expired', '<p>This sign-in started more than ten minutes ago, in another browser, or with cookies blocked. Paved needs its cookies to sign you in.</p><p><a class="button" href="/auth/signin">Start again</a></p>');
    }
    const config = await this.providerOr502(c);
    if (config instanceof Response) return config;
    let claims: Record<string, unknown>;
    try {
      const currentUrl = new URL(`${url.pathname}${url.search}`, this.publicUrl);
      const tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: transaction.verifier, expectedState: transaction.state, expectedNonce: transaction.nonce, idTokenExpected: true,
      });
      claims = { ...(tokens.claims() ?? {}) };
      // Many providers put groups and e-mail only in userinfo.
      if (!(this.options.settings.rolesClaim in claims) || !('email' in claims)) {
        const userinfo = await client.fetchUserInfo(config, tokens.access_token, String(claims.sub)).catch(() => null);
        if (userinfo) claims = { ...userinfo, ...claims, [this.options.settings.rolesClaim]: claims[this.options.settings.rolesClaim] ?? userinfo[this.options.settings.rolesClaim] };
      }
    } catch (error) {
      this.options.log('warn', 'sign-in failed', { error: (error as Error).message });
      c.header('set-cookie', clearTransaction);
      return page(c, 401, 'Sign-in failed', `<p>Paved could not complete the sign-in: ${escapeHtml((error as Error).message)}.</p><p><a class="button" href="/auth/signin">Try again</a></p>`);
    }
    const role = roleOfClaims(claims, this.options.settings);
    const who = String(claims.email ?? claims.preferred_username ?? claims.sub);
    if (!role) {
      this.options.log('warn', 'signed in without a Paved role', { sub: String(claims.sub) });
      c.header('set-cookie', clearTransaction);
      return page(c, 403, 'No access to Paved', `<p>You signed in as <strong>${escapeHtml(who)}</strong>, but this Paved is open only to the groups or e-mail addresses its administrators listed (<code>auth.oidc.viewerValues</code>, <code>viewerEmails</code>).</p><p>Ask a Paved admin to add you.</p>`);
    }
    const session: Session = {
      sub: String(claims.sub),
      name: typeof claims.name === 'string' ? claims.name : typeof claims.preferred_username === 'string' ? claims.preferred_username : null,
      email: typeof claims.email === 'string' ? claims.email : null,
      role,
    };
    const ttl = this.options.settings.sessionHours * 3600;
    this.options.log('info', 'signed in', { sub: session.sub, role });
    return redirect(c, 302, transaction.returnTo, [clearTransaction, this.cookie(SESSION_COOKIE, await seal(session, this.options.sessionKey, ttl), ttl)]);
  }

  private signOut(c: Context<NodeEnv>): Response {
    const request = c.env.incoming;
    if (request.method !== 'POST') {
      return page(c, 200, 'Sign out', '<form method="post" action="/auth/signout"><button class="button" type="submit">Sign out of Paved</button></form>');
    }
    if (!this.sameOrigin(request)) return json(c, 403, { error: 'forbidden', message: 'cross-site sign-out refused' });
    return redirect(c, 303, '/auth/signed-out', [this.cookie(SESSION_COOKIE, '', 0)]);
  }
}
