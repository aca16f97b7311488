import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { runtime } from './runtime';

export type Role = 'viewer' | 'admin';

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function adminToken(): string | null {
  return ((globalThis as Record<symbol, unknown>)[Symbol.for('paved.adminToken')] as string | undefined) ?? process.env.PAVED_ADMIN_TOKEN ?? null;
}

/**
 * Who may do what, decided on the server for every admin action:
 * - a bearer admin token (the CLI talking to a running Paved) is admin;
 * - without auth.oidc, Paved listens on loopback only; a same-origin browser request is admin
 *   (the Origin check stops other web pages from driving the local dashboard);
 * - with auth.oidc, the session's role decides (see lib/session.ts).
 */
export async function roleOf(request: Request): Promise<Role | null> {
  const token = adminToken();
  const authorization = request.headers.get('authorization');
  if (token && authorization?.startsWith('Bearer ') && safeEqual(authorization.slice(7).trim(), token)) return 'admin';
  if (runtime().authRequired) {
    const { sessionRole } = await import('./session');
    return sessionRole(request);
  }
  if (request.method === 'GET' || request.method === 'HEAD') return 'admin';
  const origin = request.headers.get('origin');
  const host = request.headers.get('host');
  if (origin && host && new URL(origin).host === host) return 'admin';
  return null;
}

export class ForbiddenError extends Error {}

export async function requireAdmin(request: Request): Promise<void> {
  const role = await roleOf(request);
  if (role !== 'admin') throw new ForbiddenError(role === null ? 'sign in as an admin (or send the admin token) to do this' : 'this action needs the admin role');
}

export function forbidden(error: unknown): Response | null {
  if (error instanceof ForbiddenError) return Response.json({ error: 'forbidden', message: error.message }, { status: 403 });
  return null;
}
