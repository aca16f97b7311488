import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostAllowed } from '@paved/transform/runtime/origin';

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export interface FrontDoorParts {
  /** The webhook receivers: signed or token-authenticated, so answered whatever the Host (returns false for other paths). */
  webhooks: { handle(request: IncomingMessage, response: ServerResponse): Promise<boolean> };
  /** The sign-in gate with auth.oidc, else null (loopback mode: the Host allow-list applies). */
  gate: { handle(request: IncomingMessage, response: ServerResponse): Promise<boolean> } | null;
  /** Origins of the configured public URLs (publicOriginsOf). */
  publicOrigins: string[];
  /** Where people are told to open Paved when their Host is refused. */
  localUrl: string;
  dashboard: RequestHandler;
}

/** Reachable whatever the Host: liveness for probes that address the container by its IP. */
const ANY_HOST_PATHS = new Set(['/api/health']);

/**
 * `paved start`'s HTTP entry: webhooks first, then (without sign-in) the Host allow-list that
 * stops DNS rebinding, then the sign-in gate, then the dashboard. See docs/security.md.
 */
export function frontDoor(parts: FrontDoorParts): RequestHandler {
  return async (request, response) => {
    if (await parts.webhooks.handle(request, response)) return;
    if (!parts.gate) {
      const path = (request.url ?? '/').split('?')[0]!;
      if (!ANY_HOST_PATHS.has(path) && !hostAllowed(request.headers.host, parts.publicOrigins)) {
        response.writeHead(421, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        response.end(JSON.stringify({
          error: 'misdirected',
          message: `Host "${String(request.headers.host ?? '')}" is not an address of this Paved: open it at ${parts.localUrl}, or set server.publicUrl in paved.config.yaml to the address people use (see docs/security.md)`,
        }));
        return;
      }
    } else if (await parts.gate.handle(request, response)) {
      return;
    }
    await parts.dashboard(request, response);
  };
}
