import 'server-only';
import { currentRuntime, readCookie, Session, SESSION_COOKIE, sessionFromCookieHeader, unseal } from '@paved/runtime';
import { cookies } from 'next/headers';
import type { Role } from './auth';

/**
 * The signed-in person, from the sealed session cookie set at OpenID Connect sign-in (see
 * tools/cli/src/auth/oidc.ts). Opened again here rather than trusted from a header, so a route
 * handler decides from the cookie itself.
 */
export async function sessionOf(request: Request): Promise<Session | null> {
  const key = currentRuntime()?.sessionKey;
  if (!key) return null;
  return sessionFromCookieHeader(request.headers.get('cookie'), key);
}

export async function sessionRole(request: Request): Promise<Role | null> {
  return (await sessionOf(request))?.role ?? null;
}

/** The session of the page being rendered (server components), or null when signed out or without auth.oidc. */
export async function currentSession(): Promise<Session | null> {
  const key = currentRuntime()?.sessionKey;
  if (!key) return null;
  const jar = await cookies();
  return unseal(jar.get(SESSION_COOKIE)?.value ?? readCookie(null, SESSION_COOKIE), key, Session);
}
