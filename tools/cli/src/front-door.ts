import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeAfterAnswer } from '@paved/ingest/http/body';
import { hostAllowed } from '@paved/transform/runtime/origin';

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export interface FrontDoorParts {
  /** The webhook receivers (paved start): signed or token-authenticated, so answered whatever the Host (false for other paths). */
  webhooks?: { handle(request: IncomingMessage, response: ServerResponse): Promise<boolean> };
  /** The sign-in gate with auth.oidc, else null (loopback mode: the Host allow-list applies). */
  gate: { handle(request: IncomingMessage, response: ServerResponse): Promise<boolean> } | null;
  /** Origins of the configured public URLs (publicOriginsOf). */
  publicOrigins: string[];
  /** Where people are told to open Paved when their Host is refused. */
  localUrl: string;
  dashboard: RequestHandler;
}

/** The loopback address people are told to open when their Host is refused. */
export function localUrlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/** Reachable whatever the Host: liveness for probes that address the container by its IP. */
const ANY_HOST_PATHS = new Set(['/api/health']);

/**
 * Survey links are open to anyone holding one, and the dashboard reads a response's body before it
 * checks the link's token: so their bodies (a few answers and comments) are capped here, before
 * anything reads them.
 */
export const SURVEY_BODY_LIMIT = 1024 * 1024;
const SURVEY_PREFIXES = ['/api/surveys/', '/s/'];

/** 411/413 for a survey-link body that is not declared or too large (true when answered). */
function refusedSurveyBody(request: IncomingMessage, response: ServerResponse, path: string): boolean {
  if (request.method === 'GET' || request.method === 'HEAD' || !SURVEY_PREFIXES.some((prefix) => path.startsWith(prefix))) return false;
  const declared = request.headers['content-length'];
  const refusal = declared === undefined
    ? { status: 411, error: 'length_required', message: 'send the answers with a Content-Length header' }
    : Number(declared) > SURVEY_BODY_LIMIT ? { status: 413, error: 'too_large', message: `a survey response is at most ${SURVEY_BODY_LIMIT} bytes` } : null;
  if (!refusal) return false;
  closeAfterAnswer(request);
  response.writeHead(refusal.status, { 'content-type': 'application/json', connection: 'close' });
  response.end(JSON.stringify({ error: refusal.error, message: refusal.message }));
  return true;
}

/**
 * The dashboard's HTTP entry (`paved start`, `paved dashboard`): webhooks first, then (without
 * sign-in) the Host allow-list that stops DNS rebinding, then the sign-in gate, then the bounded
 * survey-link bodies, then the dashboard. See docs/security.md.
 */
export function frontDoor(parts: FrontDoorParts): RequestHandler {
  return async (request, response) => {
    if (parts.webhooks && (await parts.webhooks.handle(request, response))) return;
    const path = (request.url ?? '/').split('?')[0]!;
    if (!parts.gate) {
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
    if (refusedSurveyBody(request, response, path)) return;
    await parts.dashboard(request, response);
  };
}
