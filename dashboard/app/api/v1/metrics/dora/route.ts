import { DoraApiQuery } from '@paved/schemas';
import { checkScope, doraMetrics, UnknownScopeError } from '@paved/transform';
import { badRequest, failed, queryObject } from '@/lib/api';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/** GET /api/v1/metrics/dora[?from=YYYY-MM-DD][&to=YYYY-MM-DD][&team=][&service=][&profile=2023|2024] (default: the last 90 days) */
export async function GET(request: Request) {
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
