import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { closeAfterAnswer, type NodeEnv, nodeListener } from '@paved/ingest';
import { doraApiResponse, hostAllowed, type PavedRuntime } from '@paved/runtime';
import { Hono, type MiddlewareHandler } from 'hono';
import { type SurveyContextOf, surveyRoutes } from './survey-routes.js';

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export interface FrontDoorParts {
  /** The webhook receivers (paved start): signed or token-authenticated, so answered whatever the Host. */
  webhooks?: { app: Hono<NodeEnv> };
  /** The sign-in gate with auth.oidc (its routes and the middleware that requires a session), else null (loopback mode: the Host allow-list applies). */
  gate: { routes(): Hono<NodeEnv> } | null;
  /** Origins of the configured public URLs (publicOriginsOf). */
  publicOrigins: string[];
  /** The survey endpoint answered here rather than by Next.js (survey-routes.ts), with this process's warehouse and settings; unset (tests), the dashboard handler gets it. */
  surveys?: SurveyContextOf;
  /**
   * The process's runtime, for the API reads answered here rather than by Next.js (GET
   * /api/v1/metrics/dora, tools/runtime/src/dora-api.ts): the most read endpoint, and Next.js adds
   * about 7 ms to each call. Unset (tests), the dashboard handler answers them.
   */
  api?: () => PavedRuntime;
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

/** 411/413 for a survey-link body that is not declared or too large, before anything reads it. */
const boundedSurveyBodies: MiddlewareHandler<NodeEnv> = async (c, next) => {
  const request = c.env.incoming;
  if (request.method === 'GET' || request.method === 'HEAD' || !SURVEY_PREFIXES.some((prefix) => c.req.path.startsWith(prefix))) return next();
  const declared = request.headers['content-length'];
  const refusal = declared === undefined
    ? { status: 411, error: 'length_required', message: 'send the answers with a Content-Length header' }
    : Number(declared) > SURVEY_BODY_LIMIT ? { status: 413, error: 'too_large', message: `a survey response is at most ${SURVEY_BODY_LIMIT} bytes` } : null;
  if (!refusal) return next();
  closeAfterAnswer(request);
  return c.json({ error: refusal.error, message: refusal.message }, refusal.status as 411, { connection: 'close' });
};

/** Without sign-in: only this Paved's own addresses may be used as Host (DNS rebinding), except the health probe. */
function hostAllowList(parts: FrontDoorParts): MiddlewareHandler<NodeEnv> {
  return async (c, next) => {
    const host = c.env.incoming.headers.host;
    if (ANY_HOST_PATHS.has(c.req.path) || hostAllowed(host, parts.publicOrigins)) return next();
    return c.json({
      error: 'misdirected',
      message: `Host "${String(host ?? '')}" is not an address of this Paved: open it at ${parts.localUrl}, or set server.publicUrl in paved.config.yaml to the address people use (see docs/security.md)`,
    }, 421, { 'cache-control': 'no-store' });
  };
}

/**
 * The dashboard's HTTP entry (`paved start`, `paved dashboard`) as one Hono app: webhooks first,
 * then (without sign-in) the Host allow-list that stops DNS rebinding, or the sign-in gate, then
 * the bounded survey-link bodies, then the survey endpoint and the DORA API, then the dashboard. Next.js gets the raw request and response,
 * so its bodies and answers stream as they would on its own server. See docs/security.md.
 */
export function frontDoorApp(parts: FrontDoorParts, app = new Hono<NodeEnv>()): Hono<NodeEnv> {
  if (parts.webhooks) app.route('/', parts.webhooks.app);
  if (parts.gate) app.route('/', parts.gate.routes());
  else app.use('*', hostAllowList(parts));
  app.use('*', boundedSurveyBodies);
  if (parts.surveys) app.route('/', surveyRoutes(parts.surveys));
  const api = parts.api;
  if (api) app.get('/api/v1/metrics/dora', (c) => doraApiResponse(c.req.raw, api));
  app.all('*', async (c) => {
    await parts.dashboard(c.env.incoming, c.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  });
  return app;
}

/** The front door as a Node request handler (tests, and servers that are not serveApp's). */
export function frontDoor(parts: FrontDoorParts): RequestHandler {
  const listener = nodeListener(frontDoorApp(parts));
  return async (request, response) => { await listener(request, response); };
}
