import { ExplainQuery, type ExplainResult } from '@paved/schemas';
import { explain } from '@paved/transform';
import { badRequest, failed, queryObject } from '@/lib/api';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/**
 * GET /api/v1/metrics/dora/explain?metric=…&from=…&to=…[&team=][&service=][&deployment=][&limit=]
 * The rows behind a metric: deployments counted, change-set commits with lead time and how they
 * were found, failure links with method and evidence, incidents.
 */
export async function GET(request: Request) {
  const parsed = ExplainQuery.safeParse(queryObject(request));
  if (!parsed.success) return badRequest(parsed.error);
  const { metric, deployment, limit, ...window } = parsed.data;
  try {
    const result = await explain(runtime().warehouse, window, metric, { deploymentId: deployment, limit });
    const body: ExplainResult = { from: window.from, to: window.to, scope: { team: window.team ?? null, service: window.service ?? null, deployment: deployment ?? null }, ...result, metric };
    return Response.json(body);
  } catch (error) {
    return failed(error);
  }
}
