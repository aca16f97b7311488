/**
 * Which requests may reach the dashboard and act with the browser's authority. One rule, used by
 * the sign-in gate (tools/cli/src/auth/oidc.ts), by `paved start`'s front door and by the
 * dashboard's role check (dashboard/lib/auth.ts); docs/security.md states it for operators.
 *
 * - Host (only without sign-in): a loopback name (localhost, 127.0.0.1, [::1]) on any port, or the
 *   host of a configured public URL (server.publicUrl, auth.oidc.publicUrl, surveys.publicUrl).
 *   Anything else is a name the browser was tricked into resolving to this machine (DNS rebinding).
 * - Origin (a state-changing request carried by a browser's cookie or loopback trust): its Origin,
 *   or the origin of its Referer when Origin is absent, must be a configured public URL's origin or
 *   name the Host the request was sent to. No Origin and no Referer is refused: browsers send Origin
 *   on every POST, and programs use the admin token (which needs no origin).
 */

/** The parts of a request the rule reads (headers lower-cased as Node gives them). */
export interface RequestFacts {
  method: string;
  host: string | null | undefined;
  origin: string | null | undefined;
  referer: string | null | undefined;
}

/** The public URLs a config names; their hosts and origins are trusted. */
export interface PublicUrls {
  server?: { publicUrl?: string | undefined };
  surveys?: { publicUrl?: string | undefined };
  auth?: { oidc?: { publicUrl?: string | undefined } | undefined };
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function publicOriginsOf(config: PublicUrls, extra: (string | undefined)[] = []): string[] {
  const urls = [config.server?.publicUrl, config.auth?.oidc?.publicUrl, config.surveys?.publicUrl, ...extra];
  return [...new Set(urls.flatMap((url) => {
    if (!url) return [];
    try {
      return [new URL(url).origin];
    } catch {
      return [];
    }
  }))];
}

/** The host (name and port, lower-case, default port dropped) a Host header names, or null when it is not one. */
export function hostOf(header: string | null | undefined, protocol = 'http:'): URL | null {
  if (!header || /[\s/\\@?#]/.test(header)) return null;
  try {
    const url = new URL(`${protocol}//${header}`);
    return url.username || url.password ? null : url;
  } catch {
    return null;
  }
}

/** True when the Host header is a loopback name (any port) or the host of one of `publicOrigins`. */
export function hostAllowed(header: string | null | undefined, publicOrigins: string[]): boolean {
  const host = hostOf(header);
  if (!host) return false;
  if (LOOPBACK_NAMES.has(host.hostname)) return true;
  return publicOrigins.some((origin) => {
    const allowed = new URL(origin);
    return allowed.hostname === host.hostname && (hostOf(header, allowed.protocol)?.port ?? '') === allowed.port;
  });
}

/** The origin a browser states for the request: Origin, else the Referer's origin; null when neither (or `Origin: null`). */
export function statedOrigin(facts: Pick<RequestFacts, 'origin' | 'referer'>): string | null {
  if (facts.origin) return facts.origin === 'null' ? null : facts.origin;
  if (!facts.referer) return null;
  try {
    return new URL(facts.referer).origin;
  } catch {
    return null;
  }
}

/** True when a request may change state with the browser's authority (see the rule above); safe methods always may. */
export function originAllowed(facts: RequestFacts, publicOrigins: string[]): boolean {
  if (SAFE_METHODS.has(facts.method.toUpperCase())) return true;
  const origin = statedOrigin(facts);
  if (!origin) return false;
  if (publicOrigins.includes(origin)) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && Boolean(facts.host) && url.host === hostOf(facts.host, url.protocol)?.host;
  } catch {
    return false;
  }
}
