import { z } from 'zod';
import { frictionRoadmap } from '@paved/transform/roadmap/friction';
import { initiativeEffects } from '@paved/transform/roadmap/initiatives';
import { badRequest, failed, queryObject } from '@/lib/api';
import { surveySource } from '@/lib/roadmap';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

const RoadmapQuery = z.object({
  from: z.iso.date('from must be a date as YYYY-MM-DD'),
  to: z.iso.date('to must be a date as YYYY-MM-DD'),
  campaign: z.string().min(1).max(200).optional(),
}).refine((q) => q.from < q.to, { message: 'from must be before to (the window is [from, to))', path: ['to'] });

/** GET /api/v1/roadmap?from=YYYY-MM-DD&to=YYYY-MM-DD[&campaign=ID]: ranked friction points with evidence, and initiative effects. */
export async function GET(request: Request) {
  const parsed = RoadmapQuery.safeParse(queryObject(request));
  if (!parsed.success) return badRequest(parsed.error);
  const { from, to, campaign } = parsed.data;
  try {
    const { warehouse, config } = runtime();
    const [roadmap, initiatives] = await Promise.all([
      frictionRoadmap(warehouse, config, { from, to, campaignId: campaign }, surveySource(warehouse, config)),
      initiativeEffects(warehouse, config, { from, to }),
    ]);
    return Response.json({ ...roadmap, initiatives });
  } catch (error) {
    return failed(error);
  }
}
