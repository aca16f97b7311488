import { AdoptionQuery } from '@paved/schemas';
import { adoptionMetrics } from '@paved/transform';
import { badRequest, failed, queryObject } from '@/lib/api';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/** GET /api/v1/metrics/adoption?from=YYYY-MM-DD&to=YYYY-MM-DD[&team=]: golden-path and platform adoption with the golden-path comparison. */
export async function GET(request: Request) {
  const parsed = AdoptionQuery.safeParse(queryObject(request));
  if (!parsed.success) return badRequest(parsed.error);
  try {
    const { warehouse, config } = runtime();
    return Response.json(await adoptionMetrics(warehouse, parsed.data, config.metrics.benchmarkProfile));
  } catch (error) {
    return failed(error);
  }
}
