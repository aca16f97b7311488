import { RoiQuery, type RoiResult } from '@paved/schemas';
import { roiSummary, surveySource } from '@paved/insights';
import { badRequest, failed, queryObject } from '@/lib/api';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/**
 * GET /api/v1/roi?from=YYYY-MM-DD&to=YYYY-MM-DD[&campaign=ID]: ROI figures per year as ranges, each
 * with its formula and inputs; a figure resting on a change carries it with a 95 % bootstrap interval
 * and has no amount (`significant: false`) when that interval includes zero. Contract: `RoiResult`.
 */
export async function GET(request: Request) {
  const parsed = RoiQuery.safeParse(queryObject(request));
  if (!parsed.success) return badRequest(parsed.error);
  const { from, to, campaign } = parsed.data;
  try {
    const { warehouse, config } = runtime();
    const body: RoiResult = await roiSummary(warehouse, config, { from, to, campaignId: campaign }, surveySource(warehouse, config));
    return Response.json(body);
  } catch (error) {
    return failed(error);
  }
}
