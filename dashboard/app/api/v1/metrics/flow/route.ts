import { FlowQuery } from '@paved/schemas';
import { flowMetrics } from '@paved/transform';
import { badRequest, failed, queryObject } from '@/lib/api';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/** GET /api/v1/metrics/flow?from=YYYY-MM-DD&to=YYYY-MM-DD[&team=]: PR cycle time in four stages, per team, with the slowest PRs. */
export async function GET(request: Request) {
  const parsed = FlowQuery.safeParse(queryObject(request));
  if (!parsed.success) return badRequest(parsed.error);
  try {
    return Response.json(await flowMetrics(runtime().warehouse, parsed.data));
  } catch (error) {
    return failed(error);
  }
}
