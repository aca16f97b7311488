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
    // Side by side: the scope check (the catalog, one statement cached for every scope) need not
    // hold up the metrics; an unknown team or service still answers 400, never the zeros.
    const [, result] = await Promise.all([checkScope(warehouse, parsed.data), doraMetrics(warehouse, parsed.data, config.metrics.benchmarkProfile)]);
    return Response.json(result);
  } catch (error) {
    if (error instanceof UnknownScopeError) return Response.json({ error: 'bad_request', issues: [{ parameter: error.kind, message: error.message }], known: error.known }, { status: 400 });
    return failed(error);
  }
}
