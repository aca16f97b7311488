import { DoraApiQuery } from '@paved/schemas';
import { checkScope, doraMetrics, UnknownScopeError } from '@paved/transform';
import { describeWarehouseError } from '@paved/warehouse';
import type { z } from 'zod';
import type { PavedRuntime } from './context.js';

/*
 * GET /api/v1/metrics/dora, once for both servers that answer it: the front door of `paved start`
 * and `paved dashboard` (a Hono route, tools/cli/src/front-door.ts: no Next.js in the path, about
 * 7 ms less per call) and the Next.js route file (dashboard/app/api/v1/metrics/dora/route.ts, which
 * serves it when the dashboard runs on its own, e.g. `next dev`). Same statuses and JSON from both.
 */

/** A 400 naming each bad parameter and how to fix it. */
export function badRequest(error: z.ZodError): Response {
  return Response.json(
    { error: 'bad_request', issues: error.issues.map((issue) => ({ parameter: issue.path.join('.') || '(query)', message: issue.message })) },
    { status: 400 },
  );
}

/** The query string as an object, empty values left out (as if not given). */
export function queryObject(request: Request): Record<string, string> {
  const params = new URL(request.url).searchParams;
  const out: Record<string, string> = {};
  for (const [key, value] of params) if (value !== '') out[key] = value;
  return out;
}

/** A 500/503 that says what failed, without internals. */
export function failed(error: unknown): Response {
  const message = describeWarehouseError(error);
  return Response.json({ error: 'failed', message }, { status: /refused|not found|timeout|unavailable/i.test(message) ? 503 : 500 });
}

/** GET /api/v1/metrics/dora[?from=YYYY-MM-DD][&to=YYYY-MM-DD][&team=][&service=][&goldenPath=true|false][&profile=2023|2024] (default: the last 90 days). */
export async function doraApiResponse(request: Request, runtime: () => PavedRuntime): Promise<Response> {
  // Without from/to: the last 90 days (today included), as `paved metrics dora` does (DoraApiQuery fills them in).
  const parsed = DoraApiQuery.safeParse(queryObject(request));
  if (!parsed.success) return badRequest(parsed.error);
  try {
    const { warehouse, config } = runtime();
    const query = parsed.data;
    const profile = config.metrics.benchmarkProfile;
    if (query.service) {
      // Side by side: the scope check (the catalog of all history) need not hold up the metrics; an
      // unknown service still answers 400, never the zeros.
      const [, result] = await Promise.all([checkScope(warehouse, query), doraMetrics(warehouse, query, profile)]);
      return Response.json(result);
    }
    const result = await doraMetrics(warehouse, query, profile);
    // A team the answer counts services of is in the window's catalog, so in the catalog of all
    // history: no second statement. Only an answer without services (an unknown team, or a known one
    // without services in this window) reads the catalog of all history to tell the two apart.
    if (query.team && result.deploymentFrequency.services === 0) await checkScope(warehouse, query);
    return Response.json(result);
  } catch (error) {
    if (error instanceof UnknownScopeError) return Response.json({ error: 'bad_request', issues: [{ parameter: error.kind, message: error.message }], known: error.known }, { status: 400 });
    return failed(error);
  }
}
