import 'server-only';
import type { Role } from './auth';

/** OIDC sessions arrive with the auth issue; until then an OIDC-configured Paved treats requests as signed out. */
export async function sessionRole(_request: Request): Promise<Role | null> {
  return null;
}
