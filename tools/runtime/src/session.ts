import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { z } from 'zod';
import type { PavedConfig } from '@paved/schemas';

/**
 * Sign-in sessions: an encrypted, integrity-protected cookie (JWE, A256GCM) holding who signed in
 * and the role they were given. Stateless, so `paved start` and separate `paved dashboard`
 * replicas sharing PAVED_SESSION_SECRET all accept it; the role is fixed at sign-in and lasts
 * until the session expires.
 */
export type Role = 'viewer' | 'admin';
export type OidcSettings = NonNullable<PavedConfig['auth']['oidc']>;

export const SESSION_COOKIE = 'paved_session';
/** The sign-in transaction (state, nonce, PKCE verifier, where to return), valid for ten minutes. */
export const SIGN_IN_COOKIE = 'paved_signin';

export const Session = z.object({
  sub: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  role: z.enum(['viewer', 'admin']),
  /** The ID token, kept only to ask the provider to end its session too at sign-out. */
  idToken: z.string().optional(),
});
export type Session = z.infer<typeof Session>;

export const SignInTransaction = z.object({
  state: z.string(),
  nonce: z.string(),
  verifier: z.string(),
  returnTo: z.string(),
});
export type SignInTransaction = z.infer<typeof SignInTransaction>;

/** Derives the 256-bit cookie key from the configured secret (any length ≥ 32). */
export function sessionKeyOf(secret: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'paved', 'paved session cookie v1', 32));
}

export async function seal(payload: Record<string, unknown>, key: Uint8Array, ttlSeconds: number): Promise<string> {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime(`${Math.round(ttlSeconds)}s`)
    .encrypt(key);
}

/** Opens a sealed cookie value; null when it is missing, forged, tampered with, expired or of another shape. */
export async function unseal<S extends z.ZodType>(value: string | null | undefined, key: Uint8Array, schema: S): Promise<z.infer<S> | null> {
  if (!value) return null;
  try {
    const { payload } = await jwtDecrypt(value, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
    const parsed = schema.safeParse(payload);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function readCookie(header: string | null | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return decodeURIComponent(part.slice(index + 1).trim());
  }
  return null;
}

export function sessionFromCookieHeader(cookieHeader: string | null | undefined, key: Uint8Array): Promise<Session | null> {
  return unseal(readCookie(cookieHeader, SESSION_COOKIE), key, Session);
}

function claimValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

/** Reads a claim by name, or by a dotted path (e.g. `realm_access.roles` for Keycloak). */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  let current: unknown = claims;
  for (const key of name.split('.')) {
    if (!current || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * The role a signed-in person gets: admin from an admin claim value or allow-listed verified
 * e-mail; viewer from a viewer claim value or e-mail, or anyone when no viewer list is set;
 * otherwise none (they are told they have no access).
 */
export function roleOfClaims(claims: Record<string, unknown>, settings: OidcSettings): Role | null {
  const values = new Set(claimValues(claimAt(claims, settings.rolesClaim)));
  const email = typeof claims.email === 'string' && claims.email_verified !== false ? claims.email.toLowerCase() : null;
  const listed = (emails: string[]) => email !== null && emails.some((e) => e.toLowerCase() === email);
  if (settings.adminValues.some((v) => values.has(v)) || listed(settings.adminEmails)) return 'admin';
  const openToAll = settings.viewerValues.length === 0 && settings.viewerEmails.length === 0;
  if (openToAll || settings.viewerValues.some((v) => values.has(v)) || listed(settings.viewerEmails)) return 'viewer';
  return null;
}
