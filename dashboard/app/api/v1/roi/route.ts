import { z } from 'zod';
import { roiSummary } from '@paved/transform/roadmap/roi';
import { badRequest, failed, queryObject } from '@/lib/api';
import { surveySource } from '@/lib/roadmap';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

const RoiQuery = z.object({
  from: z.iso.date('from must be a date as YYYY-MM-DD'),
  to: z.iso.date('to must be a date as YYYY-MM-DD'),
  campaign: z.string().min(1).max(200).optional(),
}).refine((q) => q.from < q.to, { message: 'from must be before to (the window is [from, to))', path: ['to'] });

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
    return Response.json(await roiSummary(warehouse, config, { from, to, campaignId: campaign }, surveySource(warehouse, config)));
  } catch (error) {
    return failed(error);
  }
}
