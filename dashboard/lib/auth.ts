import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { currentRuntime, hostAllowed, originAllowed, publicOriginsOf } from '@paved/runtime';
import { runtime } from './runtime';

export type Role = 'viewer' | 'admin';

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The admin token as `Authorization: Bearer` (the CLI talking to a running Paved). */
function hasAdminToken(request: Request): boolean {
  const token = adminToken();
  const authorization = request.headers.get('authorization');
  return Boolean(token && authorization?.startsWith('Bearer ') && safeEqual(authorization.slice(7).trim(), token));
}

function adminToken(): string | null {
  return currentRuntime()?.adminToken ?? process.env.PAVED_ADMIN_TOKEN ?? null;
}

/** The configured public URLs' origins (server.publicUrl, auth.oidc.publicUrl, surveys.publicUrl). */
function publicOrigins(): string[] {
  return publicOriginsOf(runtime().config);
}

function factsOf(request: Request) {
  const h = request.headers;
  return { method: request.method, host: h.get('host'), origin: h.get('origin'), referer: h.get('referer') };
}

/** A browser request from a Paved page (other web pages must not drive it with the user's cookies): one rule, tools/runtime/src/origin.ts. */
function sameOrigin(request: Request): boolean {
  return originAllowed(factsOf(request), publicOrigins());
}

/**
 * Who may do what, decided on the server for every admin action:
 * - a bearer admin token (the CLI talking to a running Paved) is admin;
 * - with auth.oidc, the role in the signed-in session decides (viewer or admin), and a
 *   state-changing request must also come from a Paved page;
 * - without auth.oidc, Paved listens on loopback only: a request whose Host is a loopback name or a
 *   configured public URL's host is admin when it reads, or when it changes state from a Paved page;
 *   any other Host (DNS rebinding) is nobody.
 */
export async function roleOf(request: Request): Promise<Role | null> {
  if (hasAdminToken(request)) return 'admin';
  const safeMethod = request.method === 'GET' || request.method === 'HEAD';
  if (runtime().authRequired) {
    const { sessionRole } = await import('./session');
    const role = await sessionRole(request);
    if (role && !sameOrigin(request)) return null;
    return role;
  }
  if (!hostAllowed(request.headers.get('host'), publicOrigins())) return null;
  if (safeMethod) return 'admin';
  return sameOrigin(request) ? 'admin' : null;
}

export class ForbiddenError extends Error {}

/** Refuses anyone but an admin; returns who it is, for the audit trail (set_by) of what they change. */
export async function requireAdmin(request: Request): Promise<string> {
  const role = await roleOf(request);
  if (role !== 'admin') throw new ForbiddenError(role === null ? 'sign in as an admin (or send the admin token) to do this' : 'this action needs the admin role');
  if (hasAdminToken(request)) return 'admin token';
  if (runtime().authRequired) {
    const { sessionOf } = await import('./session');
    const session = await sessionOf(request);
    if (session) return session.email ?? session.sub;
  }
  return 'dashboard (loopback)';
}

export function forbidden(error: unknown): Response | null {
  if (error instanceof ForbiddenError) return Response.json({ error: 'forbidden', message: error.message }, { status: 403 });
  return null;
}
