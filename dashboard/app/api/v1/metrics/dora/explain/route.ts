import { z } from 'zod';
import { explain, ExplainMetric } from '@paved/transform/metrics/explore';
import { badRequest, failed, queryObject } from '@/lib/api';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

const date = (name: string) => z.iso.date(`${name} must be a date as YYYY-MM-DD`);

const ExplainQuery = z.object({
  metric: z.enum(ExplainMetric.options, { error: `metric must be one of ${ExplainMetric.options.join(', ')}` }),
  from: date('from'),
  to: date('to'),
  team: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
  deployment: z.string().min(1).optional(),
  limit: z.coerce.number({ error: 'limit must be a whole number' }).int('limit must be a whole number').min(1, 'limit must be at least 1').max(5_000, 'limit must be at most 5000').optional(),
}).strict().refine((q) => q.from < q.to, { message: 'from must be before to (the window is [from, to))', path: ['to'] });

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
    return Response.json({ from: window.from, to: window.to, scope: { team: window.team ?? null, service: window.service ?? null, deployment: deployment ?? null }, ...result });
  } catch (error) {
    return failed(error);
  }
}
