import type { NodeEnv } from '@paved/ingest';
import { failure, postResponse, type SurveyHttpContext } from '@paved/surveys';
import { Hono } from 'hono';

/** How the survey routes reach this process's warehouse and settings, per request (the origin of invite links comes from the request). */
export type SurveyContextOf = (request: Request) => SurveyHttpContext;

/**
 * The anonymous survey endpoint as a Hono route of the front door, outside Next.js:
 * POST /api/surveys/:token saves or submits the answers of one invite link (the link is the
 * credential, so no sign-in). It sits behind the front door's bounded survey bodies (411/413 before
 * a byte is read) and answers with the same statuses and JSON as before (surveys/src/http.ts:
 * 200 saved, 303 for a browser form, 4xx with `error`/`message`, 415 for another content type).
 * Other methods get what Next.js answered for its POST-only route file: OPTIONS 204 with
 * `Allow: OPTIONS, POST`, anything else 405 with no body.
 *
 * The public reads (/api/v1/surveys/*) and the admin actions (/api/admin/surveys/*) stay Next.js
 * route handlers: they are part of the documented API (the OpenAPI test pairs /api/v1 with route
 * files) and the admin ones need the dashboard's role check (requireAdmin).
 */
export function surveyRoutes(contextOf: SurveyContextOf): Hono<NodeEnv> {
  const app = new Hono<NodeEnv>();
  app.post('/api/surveys/:token', async (c) => {
    const request = c.req.raw;
    try {
      return await postResponse(request, c.req.param('token'), contextOf(request));
    } catch (error) {
      return failure(error);
    }
  });
  app.options('/api/surveys/:token', () => new Response(null, { status: 204, headers: { allow: 'OPTIONS, POST' } }));
  app.all('/api/surveys/:token', () => new Response(null, { status: 405 }));
  return app;
}
